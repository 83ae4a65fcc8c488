"""Synthetic, seeded party names for the screening benchmark: Russian and Indian people and
companies, with crowded stems (a few surname roots and company stems are drawn far more often than
the rest, so their blocks are large, as `Ivanov` and `Kumar` are on real lists), in Latin script
with a share in Cyrillic, and the respellings a payment might use for a listed name."""

from __future__ import annotations

import random

RU_MALE = [
    "Aleksandr",
    "Aleksei",
    "Anatoly",
    "Andrei",
    "Anton",
    "Arkady",
    "Artem",
    "Boris",
    "Denis",
    "Dmitry",
    "Evgeny",
    "Fedor",
    "Gennady",
    "Georgy",
    "Igor",
    "Ilya",
    "Ivan",
    "Kirill",
    "Konstantin",
    "Leonid",
    "Maksim",
    "Mikhail",
    "Nikita",
    "Nikolai",
    "Oleg",
    "Pavel",
    "Petr",
    "Roman",
    "Ruslan",
    "Sergei",
    "Stanislav",
    "Timur",
    "Vadim",
    "Valery",
    "Vasily",
    "Viktor",
    "Vitaly",
    "Vladimir",
    "Yuri",
]
RU_FEMALE = [
    "Alena",
    "Anastasia",
    "Anna",
    "Daria",
    "Ekaterina",
    "Elena",
    "Galina",
    "Irina",
    "Ksenia",
    "Larisa",
    "Lyudmila",
    "Maria",
    "Marina",
    "Natalia",
    "Nadezhda",
    "Oksana",
    "Olga",
    "Polina",
    "Svetlana",
    "Tatiana",
    "Valentina",
    "Vera",
    "Yulia",
    "Zinaida",
]
RU_ROOTS = (
    (
        "Ivan Petr Smirn Kuznets Sokol Popov Lebed Kozl Novik Moroz Volk Solov Vasil Zaits Pavl "
        "Semen Golub Vinograd Bogdan Vorob Fedor Mikhail Belyak Tarас Belov Komar Orl Kisel "
        "Makar Andre Kovalev Ilin Gusev Titov Kuzmin Kudryavts Baran Kulik Alekseev Stepan "
        "Yakovl Sorokin "
        "Sergeev Romanov Zakharov Borisov Korolev Gerasimov Ponomarev Grigoriev Lazarev Medvedev "
        "Ershov Nikitin Sobolev Ryabov Polyakov Tsvetkov Danilov Zhukov Frolov Zhuravlev Nikolaev "
        "Krylov Maksimov Sidorov Osipov Belousov Fedotov Dorofeev Egorov Matveev Bobrov Dmitriev "
        "Kalinin Anisimov Petukhov Antonov Timofeev Nikiforov Veselov Filippov Markov Bolshakov "
        "Sukhanov Mironov Shiryaev Aleksandrov Konovalov Shestakov Kazakov Efimov Denisov Gromov "
        "Fomin Davydov Melnikov Shcherbakov Blinov Kolesnikov Karpov Afanasev Vlasov Maslov Isakov "
        "Tikhonov Aksenov Gavrilov Rodionov Kotov Gorbunov Kudryashov Bykov Zuev Tretyakov Savelev "
        "Panov Rybakov Suvorov Abramov Voronov Mukhin Arkhipov Trofimov Martynov Emelyanov "
        "Gorshkov Chernov Ovchinnikov Seleznev Panfilov Kopylov Mikheev Galkin Nazarov Lobanov "
        "Lukin Belyakov "
        "Potapov Nekrasov Khokhlov Zhdanov Naumov Shilov Vorontsov Ermakov Drozdov Ignatev Savin"
    )
    .replace("Tarас", "Taras")
    .split()
)
RU_ENDINGS = ("", "", "", "sky", "enko", "uk", "in")  # most roots carry -ov/-ev already
IN_GIVEN = [
    "Aarav",
    "Abhishek",
    "Aditya",
    "Ajay",
    "Akash",
    "Amit",
    "Anil",
    "Anita",
    "Anjali",
    "Arjun",
    "Arun",
    "Ashok",
    "Deepak",
    "Dinesh",
    "Ganesh",
    "Gautam",
    "Harish",
    "Imran",
    "Irfan",
    "Kavita",
    "Krishna",
    "Lakshmi",
    "Mahesh",
    "Manish",
    "Manoj",
    "Meena",
    "Mohammed",
    "Mukesh",
    "Naresh",
    "Neha",
    "Pankaj",
    "Pooja",
    "Prakash",
    "Priya",
    "Rahul",
    "Rajesh",
    "Rakesh",
    "Ramesh",
    "Ravi",
    "Rohit",
    "Sachin",
    "Sanjay",
    "Santosh",
    "Saurabh",
    "Sunil",
    "Sunita",
    "Suresh",
    "Usha",
    "Vijay",
    "Vikas",
    "Vinod",
    "Vishal",
    "Yogesh",
]
IN_SURNAMES = [
    "Kumar",
    "Sharma",
    "Singh",
    "Patel",
    "Gupta",
    "Verma",
    "Yadav",
    "Reddy",
    "Rao",
    "Iyer",
    "Nair",
    "Menon",
    "Pillai",
    "Joshi",
    "Mishra",
    "Pandey",
    "Tiwari",
    "Chaudhary",
    "Agarwal",
    "Jain",
    "Shah",
    "Mehta",
    "Desai",
    "Kulkarni",
    "Patil",
    "Jadhav",
    "Shinde",
    "Pawar",
    "Naidu",
    "Choudhury",
    "Banerjee",
    "Chatterjee",
    "Mukherjee",
    "Das",
    "Ghosh",
    "Bose",
    "Sen",
    "Dutta",
    "Khan",
    "Ansari",
    "Qureshi",
    "Siddiqui",
    "Malhotra",
    "Kapoor",
    "Khanna",
    "Bhatia",
    "Arora",
    "Sethi",
    "Chopra",
    "Saxena",
    "Srivastava",
    "Tripathi",
    "Dubey",
]
COMPANY_STEMS = [
    "Neft",
    "Gaz",
    "Prom",
    "Trans",
    "Sib",
    "Ural",
    "Volga",
    "Sever",
    "Vostok",
    "Rus",
    "Energo",
    "Stroy",
    "Agro",
    "Tekh",
    "Invest",
    "Metal",
    "Ugol",
    "Les",
    "Avto",
    "Khim",
    "Bharat",
    "Hindustan",
    "Indo",
    "Ganga",
    "Deccan",
    "Sagar",
    "Surya",
    "Shakti",
    "Vijaya",
    "Lakshmi",
    "Kaveri",
    "Narmada",
    "Himalaya",
    "Orient",
    "Global",
    "Star",
    "Alfa",
    "Delta",
    "Omega",
    "Nova",
    "Best",
    "Prime",
]
COMPANY_SECTORS = [
    "Bank",
    "Invest",
    "Trading",
    "Logistics",
    "Steel",
    "Pharma",
    "Exports",
    "Holding",
    "Capital",
    "Shipping",
    "Energy",
    "Textiles",
    "Foods",
    "Chemicals",
    "Motors",
    "Systems",
    "Leasing",
    "Finance",
    "Group",
    "Industries",
]
LEGAL_FORMS = ("OOO", "AO", "PJSC", "LLC", "ZAO", "Pvt Ltd", "Limited", "JSC", "")
_TO_CYRILLIC = [
    ("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("ya", "я"),
    ("yu", "ю"), ("y", "ы"), ("j", "дж"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"),
    ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("k", "к"), ("l", "л"), ("m", "м"),
    ("n", "н"), ("o", "о"), ("p", "п"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("c", "к"), ("x", "кс"),
]  # fmt: skip
CYRILLIC_SHARE = 10  # one Russian name in this many is written in Cyrillic
ZIPF_EXPONENT = 1.1  # how crowded the common stems are


def to_cyrillic(name: str) -> str:
    """A rough Cyrillic spelling of a romanised Russian name (for synthetic data only)."""
    out = []
    for word in name.split():
        text = word.lower()
        for latin, cyrillic in _TO_CYRILLIC:
            text = text.replace(latin, cyrillic)
        out.append(text[:1].upper() + text[1:])
    return " ".join(out)


class NameMaker:
    """Seeded names, crowded like real lists and payments."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _zipf(self, items: list[str] | tuple[str, ...]) -> str:
        weights = [1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(items))]
        return self.rng.choices(items, weights)[0]

    def russian_person(self) -> str:
        female = self.rng.random() < 0.4
        given = self.rng.choice(RU_FEMALE if female else RU_MALE)
        root = self._zipf(RU_ROOTS)
        surname = root if root.endswith(("ov", "ev", "in")) else root + "ov"
        surname += self.rng.choice(RU_ENDINGS) if surname.endswith("ov") else ""
        if female:
            surname = surname + "a" if surname.endswith(("ov", "ev", "in")) else surname
        parts = [given, surname]
        if self.rng.random() < 0.3:
            father = self.rng.choice(RU_MALE)
            parts.insert(1, father + ("ovna" if female else "ovich"))
        name = " ".join(parts)
        return to_cyrillic(name) if self.rng.randrange(CYRILLIC_SHARE) == 0 else name

    def indian_person(self) -> str:
        parts = [self.rng.choice(IN_GIVEN), self._zipf(IN_SURNAMES)]
        if self.rng.random() < 0.2:
            parts.insert(1, self.rng.choice(("Kumar", "Prasad", "Lal", *IN_GIVEN[:10])))
        return " ".join(parts)

    def company(self) -> str:
        stem = self._zipf(COMPANY_STEMS) + self.rng.choice(COMPANY_STEMS).lower()
        words = [stem, self.rng.choice(COMPANY_SECTORS)]
        if self.rng.random() < 0.3:
            words.insert(0, self._zipf(COMPANY_STEMS))
        form = self.rng.choice(LEGAL_FORMS)
        name = " ".join(words)
        return (
            f"{form} {name}".strip() if form in ("OOO", "AO", "ZAO") else f"{name} {form}".strip()
        )

    def any(self, russian: float = 0.4, indian: float = 0.35) -> tuple[str, bool]:
        """A name (Russian person, Indian person or company in these shares), and whether it is
        a person's."""
        kind = self.rng.random()
        if kind < russian:
            return self.russian_person(), True
        if kind < russian + indian:
            return self.indian_person(), True
        return self.company(), False

    def respell(self, name: str, person: bool) -> str:
        """How a payment might write a listed name: reordered, an initial, Cyrillic, -iy/-y."""
        words = name.split()
        choice = self.rng.randrange(4)
        if choice == 0 and len(words) > 1:
            return " ".join([*words[1:], words[0]])
        if choice == 1 and person and len(words) > 1 and name.isascii():
            return " ".join([words[0][0] + ".", *words[1:]])
        if choice == 2 and person and name.isascii():
            return to_cyrillic(name)
        return name.replace("y", "iy").replace("ks", "x").upper()
