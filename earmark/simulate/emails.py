"""E-mail addresses: the names and domains they are made of, the raw variants on the extra records of
duplicated persons, and `normalise_email`, the key that matches those variants back to one person.

The variants and the normalisation must agree, so they sit together; the word lists are long enough to keep
out of people.py.
"""

from __future__ import annotations

FIRST_NAMES = (
    "adam",
    "alice",
    "amir",
    "anna",
    "ben",
    "bea",
    "carlos",
    "chloe",
    "daniel",
    "diana",
    "elena",
    "emil",
    "fatima",
    "felix",
    "grace",
    "hugo",
    "ines",
    "ivan",
    "jana",
    "james",
    "karin",
    "kofi",
    "lars",
    "lea",
    "lucas",
    "maria",
    "marta",
    "mehmet",
    "nina",
    "noah",
    "olga",
    "omar",
    "paula",
    "pedro",
    "priya",
    "quinn",
    "rafael",
    "rosa",
    "sam",
    "sara",
    "sofia",
    "tariq",
    "tess",
    "tom",
    "ugo",
    "vera",
    "wei",
    "xavier",
    "yara",
    "yusuf",
    "zoe",
    "zane",
)
LAST_NAMES = (
    "adams",
    "baker",
    "bauer",
    "berg",
    "brown",
    "castro",
    "chen",
    "dubois",
    "dupont",
    "evans",
    "fischer",
    "garcia",
    "green",
    "hansen",
    "hill",
    "jansen",
    "jones",
    "khan",
    "klein",
    "kowalski",
    "lambert",
    "larsen",
    "lopez",
    "martin",
    "meyer",
    "moreau",
    "muller",
    "murphy",
    "nielsen",
    "novak",
    "oconnor",
    "patel",
    "perez",
    "petit",
    "ross",
    "ruiz",
    "schmidt",
    "silva",
    "smith",
    "taylor",
    "visser",
    "wagner",
    "walker",
    "weber",
    "white",
    "wilson",
    "wright",
    "young",
)
DOMAIN_HEADS = (
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "vandelay",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "soylent",
    "cyberdyne",
    "aperture",
    "massive",
    "oscorp",
    "nakatomi",
    "dunder",
    "pied",
    "vehement",
    "northwind",
    "contoso",
    "fabrikam",
    "tailspin",
    "litware",
)
DOMAIN_TAILS = (
    "labs",
    "systems",
    "group",
    "works",
    "logistics",
    "foods",
    "tech",
    "partners",
    "retail",
    "health",
    "analytics",
    "media",
)
EMAIL_TAGS = ("crm", "news", "billing", "work")


def _email_variant(email: str, kind: int, tag: str) -> str:
    """A raw variant of an e-mail that normalises (trim, lower case, drop '+tag') to the same key."""
    local, domain = email.split("@")
    if kind == 0:
        return email.upper()
    if kind == 1:
        return f"  {email} "
    if kind == 2:
        return f"{local}+{tag}@{domain}"
    return f" {local.title()}+{tag}@{domain.upper()}"


def normalise_email(email: str | None) -> str | None:
    """The matching key of an e-mail: trimmed, lower case, without a '+tag' in the local part."""
    if email is None:
        return None
    local, _, domain = email.strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"
