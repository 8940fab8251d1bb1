"""Word lists for synthetic persons: surnames by frequency, given-name characters, banks, schools, illnesses.

Frequencies are rounded shares (per mille) of the common surnames in national and 湖南 statistics;
they only need to make the demo look plausible, not to be exact.
"""

from __future__ import annotations

# (surname, weight) — 湖南 has more 刘、彭、谭、曾、唐、邓 than the national average.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("刘", 76),
    ("李", 70),
    ("王", 55),
    ("陈", 52),
    ("张", 50),
    ("周", 34),
    ("黄", 32),
    ("彭", 30),
    ("杨", 30),
    ("罗", 26),
    ("唐", 25),
    ("曾", 24),
    ("邓", 23),
    ("谭", 22),
    ("胡", 21),
    ("吴", 19),
    ("肖", 18),
    ("龙", 14),
    ("何", 14),
    ("谢", 14),
    ("赵", 13),
    ("易", 12),
    ("蒋", 12),
    ("朱", 12),
    ("廖", 11),
    ("文", 11),
    ("欧阳", 4),
    ("贺", 10),
    ("许", 9),
    ("孙", 9),
    ("徐", 9),
    ("郭", 9),
    ("马", 8),
    ("钟", 8),
    ("向", 8),
    ("汤", 8),
    ("段", 7),
    ("石", 7),
    ("邹", 7),
    ("夏", 7),
    ("蔡", 7),
    ("丁", 6),
    ("熊", 6),
    ("姚", 6),
    ("袁", 6),
    ("卢", 6),
    ("田", 6),
    ("宋", 6),
    ("雷", 6),
    ("颜", 5),
    ("邱", 5),
    ("付", 5),
    ("伍", 5),
    ("范", 5),
    ("林", 5),
    ("郑", 5),
    ("梁", 5),
    ("高", 5),
    ("戴", 5),
    ("方", 4),
    ("魏", 4),
    ("姜", 4),
    ("曹", 4),
    ("孔", 3),
    ("江", 4),
    ("匡", 3),
    ("聂", 3),
    ("童", 3),
    ("喻", 3),
    ("符", 3),
    ("晏", 3),
    ("毛", 3),
    ("黎", 3),
    ("莫", 3),
    ("凌", 2),
    ("阳", 2),
    ("左", 2),
    ("皮", 2),
    ("司马", 1),
    ("诸葛", 1),
)

# Given-name characters by generation: people born before 1975 carry the names of their time.
MALE_OLD = "国建德明华平文志荣福贵生春秋冬海林清正光军伟新民兴强祥金良发忠桂财义友红伏云松"
FEMALE_OLD = "秀英兰桂芳珍玉凤梅翠菊香莲琼淑群娥霞红云华春冬月娟芝素美彩凤仙满容"
MALE_YOUNG = "伟强磊涛杰斌浩鹏飞宇轩博文辉俊峰超勇亮波晨阳睿子豪铭泽航凯宁鑫旭皓瑞嘉奕一"
FEMALE_YOUNG = "婷丽敏静燕艳芳雪慧琳欣怡佳雨涵梓萱颖晶倩洁蕾璐瑶妍思诗可馨悦彤语若萌月"

# Mobile prefixes of China's operators (China Mobile, Unicom, Telecom, Broadnet).
PHONE_PREFIXES = (
    134,
    135,
    136,
    137,
    138,
    139,
    147,
    150,
    151,
    152,
    157,
    158,
    159,
    178,
    182,
    183,
    184,
    187,
    188,
    198,
    130,
    131,
    132,
    145,
    155,
    156,
    166,
    175,
    176,
    185,
    186,
    196,
    133,
    149,
    153,
    173,
    177,
    180,
    181,
    189,
    190,
    191,
    193,
    199,
    192,
)

# (bank, 6-digit card BIN, weight): rural residents bank mostly with the 农信/农商 and postal banks.
BANKS: tuple[tuple[str, int, float], ...] = (
    ("湖南省农村信用社", 621539, 34),
    ("中国邮政储蓄银行", 621799, 24),
    ("中国农业银行", 622848, 20),
    ("中国建设银行", 621700, 9),
    ("中国工商银行", 622202, 8),
    ("中国银行", 621661, 5),
)

# (diagnosis, serious, weight)
ILLNESSES: tuple[tuple[str, bool, float], ...] = (
    ("恶性肿瘤", True, 14),
    ("尿毒症（终末期肾病）", True, 6),
    ("白血病", True, 2),
    ("脑卒中后遗症", True, 9),
    ("重性精神障碍", True, 5),
    ("器官移植术后抗排异治疗", True, 1),
    ("耐多药肺结核", True, 1),
    ("儿童先天性心脏病", True, 1),
    ("血友病", True, 0.5),
    ("慢性心力衰竭", True, 4),
    ("高血压", False, 20),
    ("2型糖尿病", False, 13),
    ("慢性阻塞性肺疾病", False, 7),
    ("冠心病", False, 7),
    ("类风湿关节炎", False, 3),
    ("帕金森病", False, 2),
    ("癫痫", False, 2),
    ("慢性肾炎", False, 2),
)

COLLEGES = (
    "益阳职业技术学院",
    "湖南科技职业学院",
    "长沙民政职业技术学院",
    "湖南工艺美术职业学院",
    "湖南铁道职业技术学院",
)
UNIVERSITIES = ("湖南城市学院", "湘潭大学", "湖南师范大学", "中南大学", "湖南农业大学", "吉首大学", "湖南科技大学")
GRADUATE_SCHOOLS = ("湖南大学", "中南大学", "湖南师范大学", "湘潭大学")

# Vehicles: (description, exempt, min value, max value, weight). Rules exempt a disabled person's
# mobility vehicle and an ordinary two-wheeled motorcycle (rules.md §1.6).
VEHICLES: tuple[tuple[str, bool, int, int, float], ...] = (
    ("普通二轮摩托车", True, 1500, 6000, 45),
    ("农用三轮车", False, 3000, 12000, 20),
    ("小型轿车", False, 20000, 90000, 25),
    ("残疾人功能性补偿代步车", True, 3000, 9000, 10),
)

OTHER_ASSETS = ("农机具", "林木", "养殖设施", "门面租赁权")

# Why a lone person's legal supporters cannot support (rules.md §2.2, third condition).
SUPPORTER_REASONS: tuple[str, ...] = (
    "独子是60周岁以上低保对象",
    "唯一的女儿是重度残疾人，收入、财产符合规定",
    "儿子服刑在押，财产符合规定",
    "配偶年满70周岁，收入低于上年度人均可支配收入",
    "女儿本人是特困人员",
)
