"""Word lists: attribute values, brands, adjectives and description sentences, in en and zh.

Every value is an (English, Chinese) pair; values that read the same in both (``128GB``) repeat.
Brands are invented; any likeness to a real company is accidental.
"""

from __future__ import annotations

Pair = tuple[str, str]


def _same(*values: str) -> tuple[Pair, ...]:
    return tuple((v, v) for v in values)


_COLORS: tuple[Pair, ...] = (
    ("black", "黑色"),
    ("white", "白色"),
    ("red", "红色"),
    ("blue", "蓝色"),
    ("green", "绿色"),
    ("grey", "灰色"),
    ("pink", "粉色"),
    ("yellow", "黄色"),
    ("navy", "藏青色"),
    ("beige", "米色"),
)

VALUE_SETS: dict[str, tuple[Pair, ...]] = {
    "color": _COLORS,
    "color_tech": (
        ("black", "黑色"),
        ("white", "白色"),
        ("silver", "银色"),
        ("grey", "灰色"),
        ("blue", "蓝色"),
        ("gold", "金色"),
    ),
    "color_denim": (("blue", "蓝色"), ("black", "黑色"), ("grey", "灰色"), ("white", "白色")),
    "color_lip": (
        ("red", "红色"),
        ("pink", "粉色"),
        ("nude", "裸色"),
        ("coral", "珊瑚色"),
        ("berry", "莓果色"),
    ),
    "color_tool": (
        ("yellow", "黄色"),
        ("red", "红色"),
        ("blue", "蓝色"),
        ("black", "黑色"),
        ("green", "绿色"),
    ),
    "storage": _same("64GB", "128GB", "256GB", "512GB", "1TB"),
    "screen": _same('13.3"', '14"', '15.6"', '16"'),
    "connectivity": (("wireless", "无线"), ("wired", "有线"), ("bluetooth", "蓝牙")),
    "resolution": _same("12MP", "20MP", "24MP", "45MP"),
    "watts_charger": _same("20W", "30W", "65W", "100W"),
    "watts_blender": _same("600W", "1000W", "1200W", "1500W"),
    "watts_lamp": _same("5W", "8W", "12W"),
    "mat_cookware": (
        ("stainless steel", "不锈钢"),
        ("cast iron", "铸铁"),
        ("aluminum", "铝合金"),
        ("ceramic", "陶瓷"),
    ),
    "diameter": _same("20 cm", "24 cm", "28 cm", "32 cm"),
    "cap_blender": _same("1L", "1.5L", "2L"),
    "cap_rice": _same("3L", "4L", "5L"),
    "mat_bedding": (
        ("cotton", "纯棉"),
        ("linen", "亚麻"),
        ("silk", "真丝"),
        ("microfiber", "超细纤维"),
    ),
    "bed_size": (("twin", "单人"), ("queen", "双人"), ("king", "特大")),
    "mat_lamp": (("metal", "金属"), ("wood", "木质"), ("plastic", "塑料")),
    "apparel_size": _same("XS", "S", "M", "L", "XL", "XXL"),
    "mat_fabric": (("cotton", "纯棉"), ("polyester", "涤纶"), ("wool", "羊毛"), ("linen", "亚麻")),
    "waist": _same("28", "30", "32", "34", "36"),
    "pack": (("3-pack", "3件装"), ("6-pack", "6件装"), ("12-pack", "12件装")),
    "shoe_size": _same("7", "8", "9", "10", "11", "12"),
    "tent_capacity": (
        ("1-person", "单人"),
        ("2-person", "双人"),
        ("4-person", "四人"),
        ("6-person", "六人"),
    ),
    "mat_yoga": (("TPE", "TPE"), ("PVC", "PVC"), ("rubber", "橡胶"), ("cork", "软木")),
    "thickness": _same("4mm", "6mm", "8mm", "10mm"),
    "helmet_size": _same("S", "M", "L"),
    "vol_small": _same("30 ml", "50 ml", "100 ml"),
    "vol_large": _same("250 ml", "400 ml", "750 ml"),
    "skin_type": (("dry", "干性"), ("oily", "油性"), ("normal", "中性"), ("sensitive", "敏感肌")),
    "scent": (
        ("lavender", "薰衣草"),
        ("citrus", "柑橘"),
        ("rose", "玫瑰"),
        ("unscented", "无香"),
        ("mint", "薄荷"),
    ),
    "roast": (("light", "浅烘"), ("medium", "中烘"), ("dark", "深烘")),
    "weight": _same("250 g", "500 g", "1 kg"),
    "flavor": (
        ("chocolate", "巧克力"),
        ("peanut", "花生"),
        ("berry", "莓果"),
        ("lemon", "柠檬"),
        ("original", "原味"),
    ),
    "pieces_blocks": _same("250 pcs", "500 pcs", "1000 pcs"),
    "age": _same("3+", "6+", "8+", "12+"),
    "pieces_puzzle": _same("300 pcs", "500 pcs", "1000 pcs", "2000 pcs"),
    "plush_size": _same("20 cm", "30 cm", "50 cm"),
    "voltage": _same("12V", "18V", "20V"),
    "mat_tool": (("chrome vanadium", "铬钒钢"), ("stainless steel", "不锈钢")),
    "drive_size": _same("1/4 in.", "3/8 in.", "1/2 in."),
    "mat_screw": (("steel", "碳钢"), ("brass", "黄铜"), ("stainless steel", "不锈钢")),
    "screw_length": _same("1 in.", "1-1/4 in.", "2 in.", "3 in."),
    "pack_screws": (("100-pack", "100颗装"), ("250-pack", "250颗装")),
}

# Brands per top category, in the order of vocab.TOPS.
BRANDS_EN: tuple[tuple[str, ...], ...] = (
    ("Voltix", "Nuvana", "Pixora", "Zentek", "Aurion", "Kestrel"),
    ("Acme", "HearthCo", "Kitchara", "Lumo", "Nestwell", "Brightmoor"),
    ("Northloom", "Urbanthread", "Fernwear", "Mistral", "Odda", "Calloway"),
    ("Stridex", "Trailpeak", "Summitra", "Velora", "Corefit", "Ridgeline"),
    ("Lumiere", "Petalia", "Glowen", "Aquelle", "Sorelle", "Verdana"),
    ("Morning Ridge", "Bean & Leaf", "Harvest Lane", "Crisp Valley", "Tideway", "Golden Hive"),
    ("Blockly", "Tinkertown", "Snugglebear", "Playforge", "Wonderkit", "Puzzlewood"),
    ("Ironclad", "Torqmax", "Boltline", "Gritworks", "Steelhawk", "Forgeway"),
)
BRANDS_ZH: tuple[tuple[str, ...], ...] = (
    ("星驰", "米讯", "华拓", "极光"),
    ("美厨", "家悦", "暖居", "海川"),
    ("南织", "优衫", "木棉记", "青禾"),
    ("跑客", "峰行", "动力派", "野途"),
    ("花语", "润颜", "雪肌", "兰芝坊"),
    ("山谷", "茶语", "良品仓", "晨光"),
    ("乐积", "童趣", "萌宝", "智多星"),
    ("铁匠", "工匠王", "坚固", "锐力"),
)

ADJECTIVES_EN: tuple[str, ...] = (
    "Pro",
    "Ultra",
    "Classic",
    "Compact",
    "Premium",
    "Essential",
    "Lite",
    "Deluxe",
    "Eco",
    "Max",
    "Everyday",
    "Signature",
)
ADJECTIVES_ZH: tuple[str, ...] = ("新款", "经典", "专业", "便携", "高端", "轻薄", "升级版", "家用")
MODEL_LETTERS: tuple[str, ...] = ("X", "Z", "S", "A", "GT", "RX", "M", "Q")

# A closing sentence per top category, so descriptions are not all the same.
BENEFITS_EN: tuple[tuple[str, ...], ...] = (
    (
        "Built for everyday use at home and on the go.",
        "Fast, reliable and easy to set up.",
        "Comes with a one-year limited warranty.",
    ),
    (
        "Makes daily life at home a little easier.",
        "Easy to clean and built to last.",
        "A practical upgrade for any home.",
    ),
    (
        "Soft, breathable and comfortable all day.",
        "Machine washable and true to size.",
        "A wardrobe staple for every season.",
    ),
    (
        "Designed for training, trails and weekend adventures.",
        "Light, durable and weatherproof.",
        "Trusted by beginners and athletes alike.",
    ),
    (
        "Gentle on skin and dermatologist tested.",
        "Free from parabens and cruelty free.",
        "A small daily ritual that feels like a treat.",
    ),
    (
        "Sourced with care and packed fresh.",
        "Great for breakfast, work or a quick snack.",
        "No artificial colors or preservatives.",
    ),
    (
        "Hours of screen-free fun for the whole family.",
        "Safe, non-toxic materials.",
        "A great gift for birthdays and holidays.",
    ),
    (
        "Built tough for the job site and the garage.",
        "Precision made for a secure fit.",
        "Backed by a lifetime guarantee.",
    ),
)
BENEFITS_ZH: tuple[tuple[str, ...], ...] = (
    ("性能稳定，日常出行都适用。", "操作简单，开箱即用。"),
    ("让日常生活更轻松。", "易清洗，经久耐用。"),
    ("柔软透气，穿着舒适。", "百搭款式，四季可穿。"),
    ("轻便耐用，适合户外运动。", "专业设计，训练更高效。"),
    ("温和不刺激，适合日常护理。", "天然成分，安心使用。"),
    ("精选原料，新鲜直达。", "无添加，健康美味。"),
    ("安全环保材质，寓教于乐。", "送礼佳品，老少皆宜。"),
    ("坚固耐用，专业品质。", "精密加工，使用顺手。"),
)
