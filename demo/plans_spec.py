"""The three district plans of data/plans/000_…txt as the demo loads them.

Years in the source are anonymised (2xxxx). The demo takes 2024–2026 as the plan period of all
three plans and 2023 as the baseline year, and says so in each plan's source note.

Targets name the entry of data/plans/000_targets.json they come from (quote and line are read
from there); the comparator is read from the wording itself, which wins where the two differ:
以上/不低于/达到 → ≥, 以内/控制在 → ≤, 左右 → ≈, a bare count ("21所") → reach at least.
"""

START, END, BASELINE = 2024, 2026, 2023
YEARS = list(range(START, END + 1))

DEPARTMENTS = [
    ("办公室", "office"),
    ("人事科", "office"),
    ("计划财务科", "office"),
    ("基础教育科", "office"),
    ("教研室", "office"),
    ("督导室", "office"),
    ("教学仪器站", "office"),
    ("师训中心", "office"),
    ("电教中心", "office"),
    ("安全保卫科", "office"),
    ("基建办", "office"),
    ("区财政局", "agency"),
    ("区发改局", "agency"),
    ("区规划分局", "agency"),
    ("区国土资源分局", "agency"),
    ("区住建局", "agency"),
    ("区人力社保局", "agency"),
    ("区卫生局", "agency"),
]

EVERY_TOWNSHIP = "各街道乡镇"

# Targets are grouped under the title of the section they stand in (matched by "contains").
# Target row: (json id, indicator, comparator, value, extra, years, regions, note)
#   extra: tolerance for "approx", upper bound for "range"; years: None = by the plan's end;
#   regions: None = the district; otherwise township names (指标分解).
PLANS = [
    {
        "code": "beilun-preschool-2024",
        "title": "区学前教育三年提升行动计划",
        "kind": "action_plan",
        "subplan": "篇1",
        "lines": (9, 73),
        "summary": "扩大学前教育优质资源，提升等级幼儿园就读比例，提高保教人员素质和待遇。",
        "targets": {
            "扩大学前教育优质资源": [
                (
                    "T001",
                    "kg_std_projects",
                    "ge",
                    21,
                    None,
                    None,
                    None,
                    "“今后三年新建、改建、扩建…21所”：计划期累计至少 21 所。",
                ),
                ("T002", "kg_count", "approx", 80, 5, None, None, "“控制在80所左右”：演示取容差 ±5 所。"),
                ("T003", "kg_prov_standard_rate", "ge", 91, None, None, None, ""),
                ("T004", "kg_city_modern_rate", "ge", 50, None, None, None, ""),
                ("T005", "kg_safe_rate", "ge", 100, None, None, None, "“100%达到”。"),
            ],
            "提升等级幼儿园就读比例": [
                ("T006", "kg_enrolment_rate_3y", "ge", 99.9, None, None, None, "“达到99.9%”。"),
                ("T007", "kg_children_total", "le", 20000, None, None, None, "“控制在20000名以内”。"),
                ("T008", "kg_rated_enrolment_share", "ge", 90, None, None, None, ""),
                ("T009", "kg_l2_enrolment_share", "ge", 65, None, None, None, ""),
                ("T010", "kg_nursery_rate", "ge", 70, None, None, None, "口径见指标说明。"),
                ("T011", "parents_trained_rate", "ge", 95, None, None, None, ""),
            ],
            "提高保教人员素质和待遇": [
                ("T012", "kg_staff_certified_rate", "ge", 100, None, None, None, "“达到100%”。"),
                ("T013", "kg_establishment_rate", "ge", 30, None, None, None, ""),
                ("T014", "kg_teacher_qualified_rate", "ge", 100, None, None, None, "“达到100%”。"),
                ("T015", "kg_teacher_college_rate", "ge", 75, None, None, None, ""),
                ("T016", "kg_teacher_titled_rate", "ge", 50, None, None, None, ""),
                ("T017", "kg_backbone_teachers", "ge", 15, None, None, None, ""),
                ("T018", "kg_selfhired_pay_ratio", "ge", 1, None, None, None, "“达到本区社平工资水平以上”。"),
            ],
            "完善规划布局，加快标准化幼儿园建设": [
                (
                    "T019",
                    "kg_std_projects_year",
                    "approx",
                    7,
                    1,
                    YEARS,
                    None,
                    "“每年新建、改建7所左右”：演示取容差 ±1 所。",
                ),
                ("T020", "township_public_quality_kg", "ge", 100, None, None, None, "每个街道、乡镇至少一所。"),
                (
                    "T021",
                    "public_quality_kg_count",
                    "ge",
                    2,
                    None,
                    None,
                    ["新碶街道", "大碶街道", "小港街道", "戚家山街道", "柴桥街道"],
                    "学龄前儿童较多的街道各建设 2 所以上（分解到街道）。",
                ),
            ],
            "加大财政投入，健全学前教育保障机制": [
                ("T023", "fiscal_preschool_share", "ge", 8, None, None, None, ""),
                ("T024", "preschool_special_fund", "ge", 2000, None, [START], None, "首年 2000 万元，以后逐年增长。"),
                ("T025", "township_preschool_expense_share", "ge", 8, None, YEARS, None, "“今年起”每年。"),
                ("T027", "kg_per_pupil_funds_l0", "ge", 100, None, YEARS, None, ""),
                ("T028", "kg_per_pupil_funds_l3s1", "ge", 150, None, YEARS, None, ""),
                ("T029", "kg_per_pupil_funds_l3s2", "ge", 250, None, YEARS, None, ""),
                ("T030", "kg_per_pupil_funds_l2", "ge", 350, None, YEARS, None, ""),
            ],
            "加强队伍建设，依法保障幼儿教师合法权益": [
                ("T032", "kg_new_establishment_hires", "ge", 40, None, YEARS, None, "“每年新招聘事业编制教师40名”。"),
                (
                    "T033",
                    "kg_establishment_rate",
                    "ge",
                    33.33,
                    None,
                    None,
                    None,
                    "“到2xxxx年…达到1/3以上”：与 T013 同一指标的第二个门槛。",
                ),
            ],
        },
        # Task number -> (recurrence, deadline year or None, lead units, cooperating units, responsible units)
        "tasks": {
            1: ("yearly", None, ["基础教育科"], ["基建办"], [EVERY_TOWNSHIP]),
            2: ("continuous", None, ["基础教育科"], ["区住建局"], []),
            3: ("continuous", None, ["区住建局"], ["区规划分局", "区国土资源分局", "基础教育科"], []),
            4: ("yearly", END, ["计划财务科"], ["区财政局"], [EVERY_TOWNSHIP]),
            5: ("yearly", None, ["计划财务科"], ["区财政局"], []),
            6: ("continuous", None, ["安全保卫科"], ["区卫生局"], []),
            7: ("yearly", END, ["人事科"], ["区人力社保局"], []),
            8: ("yearly", None, ["人事科"], ["区财政局", "区人力社保局"], []),
            9: ("continuous", END, ["师训中心"], ["教研室"], []),
            10: ("continuous", None, ["基础教育科"], [], [EVERY_TOWNSHIP]),
            11: ("none", END, ["基础教育科"], ["区财政局"], []),
            12: ("continuous", None, ["教研室"], ["督导室"], []),
            13: ("continuous", None, ["办公室"], [], [EVERY_TOWNSHIP]),
            14: ("continuous", None, ["基础教育科"], ["计划财务科"], [EVERY_TOWNSHIP]),
            15: ("yearly", None, ["督导室"], [], [EVERY_TOWNSHIP]),
        },
    },
    {
        "code": "beilun-informatization-2024",
        "title": "区教育信息化三年行动计划",
        "kind": "action_plan",
        "subplan": "篇2",
        "lines": (75, 193),
        "summary": (
            "基础设施、资源平台、应用能力与重点工程：电子白板进教室、生机比、数字化校园、图书馆与外来工子女学校达标。"
        ),
        "targets": {
            "主要任务": [
                ("T057", "whiteboard_rate", "ge", 100, None, None, None, "“电子白板进入每一个普通教室”。"),
                ("T058", "function_room_multimedia_rate", "ge", 50, None, None, None, ""),
                ("T059", "kg_center_interactive_rate", "ge", 50, None, None, None, ""),
                ("T060", "kg_multimedia_rate", "ge", 100, None, None, None, ""),
                ("T061", "students_per_computer", "le", 5, None, None, None, "“有效生机比达到5:1”：越低越好，≤5。"),
                ("T062", "migrant_students_per_computer", "le", 7, None, None, None, "“(外7:1)”。"),
                ("T063", "teachers_per_computer", "le", 1, None, None, None, "“师机比达到1:1”。"),
                ("T064", "migrant_teachers_per_computer", "le", 3, None, None, None, "“(外3:1)”。"),
                ("T065", "remote_capable_rate", "ge", 60, None, None, None, ""),
                ("T068", "wifi_rate", "ge", 62, None, None, None, ""),
                ("T074", "kg_website_rate", "ge", 65, None, None, None, ""),
                ("T075", "migrant_website_rate", "ge", 100, None, None, None, ""),
                ("T076", "adult_website_rate", "ge", 50, None, None, None, ""),
            ],
            "重点工程": [
                ("T080", "digital_campus_excellent", "ge", 25, None, None, None, ""),
                ("T086", "books_per_student_secondary", "ge", 3, None, YEARS, None, "每年。"),
                ("T087", "books_per_student_primary", "ge", 2, None, YEARS, None, "每年。"),
                ("T090", "digital_libraries", "ge", 49, None, None, None, ""),
                (
                    "T092",
                    "migrant_classrooms_networked",
                    "ge",
                    100,
                    None,
                    None,
                    None,
                    "每所外来工子女学校所有普通教室联网。",
                ),
                ("T093", "migrant_computer_room", "ge", 100, None, None, None, "每校至少一间。"),
                ("T097", "migrant_projector_rate", "ge", 100, None, None, None, ""),
            ],
            "保障措施": [
                ("T113", "it_special_fund", "ge", 1000, None, YEARS, None, "每年不少于 1000 万元。"),
            ],
        },
        "tasks": {},
    },
    {
        "code": "beilun-teachers-2024",
        "title": "区加快推进师资队伍建设三年行动计划",
        "kind": "action_plan",
        "subplan": "篇3",
        "lines": (195, 259),
        "summary": "师德、校长队伍、人事制度改革、教师招聘和培养培训；附件为分年度师资队伍建设指标表。",
        "targets": {
            "具体目标": [
                (
                    "T118",
                    "new_hires_total",
                    "approx",
                    100,
                    10,
                    None,
                    None,
                    "“按高标准招聘100左右教师”：演示取容差 ±10 名。",
                ),
                ("T119", "new_hires_master_total", "ge", 20, None, None, None, ""),
                ("T121", "backbone_teacher_share", "ge", 10, None, None, None, "“占全区专任教师总数10%”。"),
                ("T122", "u45_degree_rate_primary_kg", "ge", 100, None, None, None, ""),
                ("T123", "u45_degree_rate_junior", "ge", 100, None, None, None, ""),
                ("T124", "senior_postgrad_share", "ge", 10, None, None, None, ""),
            ],
            "政策措施": [
                ("T126", "teacher_dev_fund_total", "ge", 1000, None, None, None, "三年内计划投入 1000 万元。"),
                ("T127", "teacher_dev_fund", "ge", 300, None, [START], None, ""),
                ("T128", "teacher_dev_fund", "ge", 350, None, [START + 1, START + 2], None, ""),
            ],
            "师资队伍建设指标": [
                (tid, code, "ge", None, None, YEARS, None, "原文附件表格的分年度数值缺失（已被删去），目标值待录入。")
                for tid, code in [
                    ("T132", "kg_dual_cert_rate"),
                    ("T133", "kg_establishment_rate"),
                    ("T134", "senior_title_teachers"),
                    ("T135", "postgrad_teachers"),
                    ("T136", "city_famous_teachers"),
                    ("T137", "city_backbone_teachers"),
                    ("T138", "dual_qualified_rate"),
                    ("T139", "special_grade_teachers"),
                ]
            ],
        },
        "tasks": {},
    },
]
