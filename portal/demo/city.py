"""The demo city's administration: real ward, commune and office names of Lạng Sơn city
(before the 2025 merger), invented people.

Everything is drawn from a seeded random generator, so every run builds the same city.
"""

import datetime
import random

from personnel.models import (
    Posting,
    Regulation,
    RegulationAction,
    RegulationKind,
    Staff,
    StaffCategory,
    Unit,
    UnitKind,
    UnitName,
)
from personnel.search import staff_search_text

ROOT = ("UBND-LS", "UBND thành phố Lạng Sơn", UnitKind.OTHER)
# The names documents give them (Decree 30/2020/NĐ-CP headers): the city's, and the body above.
CITY_OFFICIAL_NAME = "Ủy ban nhân dân thành phố Lạng Sơn"
CITY_ISSUING_BODY = "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN"
UNITS_ISSUING_BODY = "ỦY BAN NHÂN DÂN THÀNH PHỐ LẠNG SƠN"

WARDS_AND_COMMUNES = [
    ("P-CHILANG", "Phường Chi Lăng", UnitKind.WARD),
    ("P-DONGKINH", "Phường Đông Kinh", UnitKind.WARD),
    ("P-HVT", "Phường Hoàng Văn Thụ", UnitKind.WARD),
    ("P-TAMTHANH", "Phường Tam Thanh", UnitKind.WARD),
    ("P-VINHTRAI", "Phường Vĩnh Trại", UnitKind.WARD),
    ("X-HOANGDONG", "Xã Hoàng Đồng", UnitKind.COMMUNE),
    ("X-MAIPHA", "Xã Mai Pha", UnitKind.COMMUNE),
    ("X-QUANGLAC", "Xã Quảng Lạc", UnitKind.COMMUNE),
]

DEPARTMENTS = [
    ("VP", "Văn phòng HĐND và UBND thành phố"),
    ("PNV", "Phòng Nội vụ"),
    ("PTCKH", "Phòng Tài chính - Kế hoạch"),
    ("PTP", "Phòng Tư pháp"),
    ("PTNMT", "Phòng Tài nguyên và Môi trường"),
    ("PQLDT", "Phòng Quản lý đô thị"),
    ("PKT", "Phòng Kinh tế"),
    ("PVHTT", "Phòng Văn hóa và Thông tin"),
    ("PGDDT", "Phòng Giáo dục và Đào tạo"),
    ("PYT", "Phòng Y tế"),
    ("PLDTBXH", "Phòng Lao động - Thương binh và Xã hội"),
    ("TTTP", "Thanh tra thành phố"),
]

PUBLIC_UNITS = [
    ("TTVHTT", "Trung tâm Văn hóa, Thể thao và Truyền thông thành phố"),
    ("BQLDA", "Ban Quản lý dự án đầu tư xây dựng thành phố"),
    ("TTPTQD", "Trung tâm Phát triển quỹ đất thành phố"),
    ("DQLTTDT", "Đội Quản lý trật tự đô thị thành phố"),
    ("BQLCHO", "Ban Quản lý các chợ thành phố"),
    ("TTDVNN", "Trung tâm Dịch vụ nông nghiệp thành phố"),
]

SCHOOLS = [
    *(
        (f"MN-{code}", f"Trường Mầm non {name}")
        for code, name in [
            ("HOAHONG", "Hoa Hồng"),
            ("HOASEN", "Hoa Sen"),
            ("PHONGLAN", "Hoa Phong Lan"),
            ("TUOITHO", "Tuổi Thơ"),
            ("HOAMAI", "Hoa Mai"),
            ("SONCA", "Sơn Ca"),
            ("VINHTRAI", "Vĩnh Trại"),
            ("HOADAO", "Hoa Đào"),
        ]
    ),
    *(
        (f"TH-{code}", f"Trường Tiểu học {name}")
        for code, name in [
            ("CHILANG", "Chi Lăng"),
            ("DONGKINH", "Đông Kinh"),
            ("HVT", "Hoàng Văn Thụ"),
            ("TAMTHANH", "Tam Thanh"),
            ("VINHTRAI", "Vĩnh Trại"),
            ("QUANGLAC", "Quảng Lạc"),
            ("MAIPHA", "Mai Pha"),
            ("HOANGDONG", "Hoàng Đồng"),
        ]
    ),
    *(
        (f"THCS-{code}", f"Trường THCS {name}")
        for code, name in [
            ("CHILANG", "Chi Lăng"),
            ("DONGKINH", "Đông Kinh"),
            ("HVT", "Hoàng Văn Thụ"),
            ("TAMTHANH", "Tam Thanh"),
            ("VINHTRAI", "Vĩnh Trại"),
            ("QUANGLAC", "Quảng Lạc"),
            ("MAIPHA", "Mai Pha"),
        ]
    ),
]

# Invented names: family names, middle names and given names common in the region.
FAMILY_NAMES = [
    "Nguyễn", "Hoàng", "Lương", "Nông", "Lăng", "Vi", "Trần", "Lê", "Phạm", "Hà", "Đinh",
    "Lộc", "Hứa", "Chu", "Mã", "Đặng", "Vũ", "Bế", "Triệu", "Dương",
]  # fmt: skip
MIDDLE_NAMES = ["Văn", "Thị", "Minh", "Đức", "Thu", "Ngọc", "Quang", "Thanh", "Hữu", "Kim"]
GIVEN_NAMES = [
    "Hùng", "Hưng", "Lan", "Mai", "Tuấn", "Hương", "Dũng", "Hà", "Phương", "Bình", "Sơn",
    "Thủy", "Nga", "Cường", "Hải", "Linh", "Trang", "Đức", "Thắng", "Yến", "Hạnh", "Long",
]  # fmt: skip

POSITIONS = {
    UnitKind.DEPARTMENT: ["Trưởng phòng", "Phó Trưởng phòng", "Chuyên viên", "Chuyên viên"],
    UnitKind.WARD: ["Chủ tịch UBND", "Phó Chủ tịch UBND", "Công chức Văn phòng - Thống kê",
                    "Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng"],
    UnitKind.COMMUNE: ["Chủ tịch UBND", "Phó Chủ tịch UBND", "Công chức Văn phòng - Thống kê",
                       "Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Nông nghiệp"],
    UnitKind.PUBLIC_UNIT: ["Giám đốc", "Phó Giám đốc", "Viên chức", "Viên chức", "Viên chức",
                           "Nhân viên"],
    "school": ["Hiệu trưởng", "Phó Hiệu trưởng", "Giáo viên", "Giáo viên", "Giáo viên",
               "Giáo viên", "Giáo viên", "Giáo viên", "Nhân viên"],
}  # fmt: skip

REGULATION_TITLES = {
    RegulationKind.WORKING_RULES: "Nội quy, quy chế làm việc",
    RegulationKind.SPENDING_RULES: "Quy chế chi tiêu nội bộ",
    RegulationKind.DEMOCRACY_RULES: "Quy chế thực hiện dân chủ ở cơ sở",
    RegulationKind.CODE_OF_CONDUCT: "Quy tắc ứng xử của cán bộ, công chức, viên chức",
}

BADGE_TYPES = {
    StaffCategory.CAN_BO: "CB",
    StaffCategory.CONG_CHUC: "CC",
    StaffCategory.VIEN_CHUC: "VC",
    StaffCategory.NGUOI_LAO_DONG: "HĐ",
}


def demo_units() -> list[tuple[str, str, str, bool]]:
    """(code, name, kind, is_school) of the 49 units under the city People's Committee."""
    return [
        *((code, name, kind, False) for code, name, kind in WARDS_AND_COMMUNES),
        *((code, name, UnitKind.DEPARTMENT, False) for code, name in DEPARTMENTS),
        *((code, name, UnitKind.PUBLIC_UNIT, False) for code, name in PUBLIC_UNITS),
        *((code, name, UnitKind.PUBLIC_UNIT, True) for code, name in SCHOOLS),
    ]


def _headcount(kind: str, is_school: bool, rng: random.Random) -> int:
    if is_school:
        return rng.randint(22, 34)
    return {
        UnitKind.WARD: rng.randint(20, 24),
        UnitKind.COMMUNE: rng.randint(18, 22),
        UnitKind.DEPARTMENT: rng.randint(7, 12),
    }.get(kind, rng.randint(12, 18))


def _category(kind: str, is_school: bool, position: str, rng: random.Random) -> str:
    if position == "Nhân viên" or rng.random() < 0.05:
        return StaffCategory.NGUOI_LAO_DONG
    if is_school or kind == UnitKind.PUBLIC_UNIT:
        return StaffCategory.VIEN_CHUC
    if position.startswith(("Chủ tịch", "Phó Chủ tịch")):
        return StaffCategory.CAN_BO
    return StaffCategory.CONG_CHUC


def official_name(unit: Unit) -> str:
    """A ward's or commune's documents are its People's Committee's; an office's, its own."""
    if unit.kind in (UnitKind.WARD, UnitKind.COMMUNE):
        return f"Ủy ban nhân dân {unit.name[0].lower()}{unit.name[1:]}"
    return unit.name


def build_city() -> dict[str, Unit]:
    """Create the units, staff, postings and regulations. Returns the units by code."""
    rng = random.Random(20190330)  # noqa: S311 - reproducible fake data, not a secret
    root = Unit.objects.create(code=ROOT[0], name=ROOT[1], kind=ROOT[2])
    units = {root.code: root}
    school_codes = set()
    for code, name, kind, is_school in demo_units():
        units[code] = Unit(code=code, name=name, kind=kind, parent=root)
        if is_school:
            school_codes.add(code)
    Unit.objects.bulk_create([unit for code, unit in units.items() if code != root.code])
    UnitName.objects.bulk_create(
        [
            UnitName(unit=root, official_name=CITY_OFFICIAL_NAME, issuing_body=CITY_ISSUING_BODY),
            *(
                UnitName(
                    unit=unit,
                    official_name=official_name(unit),
                    issuing_body=UNITS_ISSUING_BODY,
                )
                for code, unit in units.items()
                if code != root.code
            ),
        ]
    )

    people, postings, number = [], [], 0
    for code, unit in units.items():
        if code == root.code:
            continue
        is_school = code in school_codes
        positions = POSITIONS["school" if is_school else unit.kind]
        for index in range(_headcount(unit.kind, is_school, rng)):
            number += 1
            position = positions[index] if index < 2 else rng.choice(positions[2:])
            category = _category(unit.kind, is_school, position, rng)
            full_name = " ".join(
                (rng.choice(FAMILY_NAMES), rng.choice(MIDDLE_NAMES), rng.choice(GIVEN_NAMES))
            )
            badge = f"{code}.{rng.randrange(10**11, 10**12):012d}.{BADGE_TYPES[category]}"
            hired_on = datetime.date(
                rng.randint(1995, 2018), rng.randint(1, 12), rng.randint(1, 28)
            )
            person = Staff(
                code=f"LS{number:05d}",
                full_name=full_name,
                category=category,
                position=position,
                badge_number=badge,
                hired_on=hired_on,
                search_text=staff_search_text(full_name, badge),
            )
            people.append(person)
            postings.append(Posting(staff=person, unit=unit, starts_on=hired_on))
    Staff.objects.bulk_create(people, batch_size=1000)
    Posting.objects.bulk_create(postings, batch_size=1000)

    # The article: every unit issued or amended its regulations in 2018-2019.
    regulations = []
    for number, unit in enumerate(units.values(), start=1):
        for kind in rng.sample(list(REGULATION_TITLES), k=rng.randint(2, 4)):
            year = rng.choice([2018, 2019])
            regulations.append(
                Regulation(
                    unit=unit,
                    kind=kind,
                    action=rng.choice(list(RegulationAction)),
                    title=f"{REGULATION_TITLES[kind]} năm {year}",
                    document_number=f"{number:02d}/QĐ-{unit.code}",
                    signed_on=datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                )
            )
    Regulation.objects.bulk_create(regulations)
    return units
