"""Country and language names used by the registry (ISO 3166-1 alpha-2, ISO 639-1)."""

from __future__ import annotations

# Europe first (EU, EEA, candidates and neighbours), then frequent partners elsewhere.
# "EU" is ISO 3166's exceptionally reserved code, used here for "pan-European".
COUNTRIES: dict[str, str] = {
    "EU": "Pan-European",
    "AL": "Albania", "AD": "Andorra", "AM": "Armenia", "AT": "Austria", "AZ": "Azerbaijan",
    "BA": "Bosnia and Herzegovina", "BE": "Belgium", "BG": "Bulgaria", "BY": "Belarus",
    "CH": "Switzerland", "CY": "Cyprus", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark",
    "EE": "Estonia", "ES": "Spain", "FI": "Finland", "FO": "Faroe Islands", "FR": "France",
    "GB": "United Kingdom", "GE": "Georgia", "GR": "Greece", "HR": "Croatia", "HU": "Hungary",
    "IE": "Ireland", "IL": "Israel", "IS": "Iceland", "IT": "Italy", "LI": "Liechtenstein",
    "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MC": "Monaco", "MD": "Moldova",
    "ME": "Montenegro", "MK": "North Macedonia", "MT": "Malta", "NL": "Netherlands",
    "NO": "Norway", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "RS": "Serbia",
    "SE": "Sweden", "SI": "Slovenia", "SK": "Slovakia", "SM": "San Marino", "TR": "Türkiye",
    "UA": "Ukraine", "VA": "Holy See", "XK": "Kosovo",
    "AR": "Argentina", "AU": "Australia", "BR": "Brazil", "CA": "Canada", "CL": "Chile",
    "CN": "China", "EG": "Egypt", "IN": "India", "JP": "Japan", "KR": "South Korea",
    "MA": "Morocco", "MX": "Mexico", "NZ": "New Zealand", "TN": "Tunisia",
    "US": "United States", "ZA": "South Africa",
}

LANGUAGES: dict[str, str] = {
    "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque",
    "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician", "hr": "Croatian",
    "hu": "Hungarian", "is": "Icelandic", "it": "Italian", "lt": "Lithuanian",
    "lv": "Latvian", "mk": "Macedonian", "mt": "Maltese", "nb": "Norwegian Bokmål",
    "nl": "Dutch", "nn": "Norwegian Nynorsk", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "tr": "Turkish", "uk": "Ukrainian",
}

# Adjectives people write instead of the country's name ("an Italian group", "Danish HPC").
DEMONYMS: dict[str, list[str]] = {
    "AT": ["austrian"], "BE": ["belgian", "flemish", "walloon"], "BG": ["bulgarian"],
    "CH": ["swiss"], "CY": ["cypriot"], "CZ": ["czech"], "DE": ["german"], "DK": ["danish"],
    "EE": ["estonian"], "ES": ["spanish", "catalan"], "FI": ["finnish"], "FR": ["french"],
    "GB": ["british", "scottish", "english", "welsh"], "GR": ["greek", "hellenic"],
    "HR": ["croatian"], "HU": ["hungarian"], "IE": ["irish"], "IS": ["icelandic"],
    "IT": ["italian"], "LT": ["lithuanian"], "LU": ["luxembourgish"], "LV": ["latvian"],
    "NL": ["dutch"], "NO": ["norwegian"], "PL": ["polish"], "PT": ["portuguese"],
    "RO": ["romanian"], "RS": ["serbian"], "SE": ["swedish"], "SI": ["slovenian"],
    "SK": ["slovak"], "TR": ["turkish"], "UA": ["ukrainian"],
}


def country_name(code: str) -> str:
    return COUNTRIES.get(code, code)


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)
