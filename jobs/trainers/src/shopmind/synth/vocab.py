"""The shop's category tree: leaves with their product words, attribute schema and price level.

English and Chinese names sit side by side so a Chinese listing is the same kind of product as
its English twin, which is what lets ground truth compare them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Leaf:
    """A leaf category.

    ``words`` are synonyms for the product (titles use one, queries may use another).
    ``attrs`` pairs an attribute key with the name of its value set in ``words.VALUE_SETS``.
    ``price`` is the median price in USD and ``spread`` the log-normal sigma around it.
    ``consumable`` products are bought again and again.
    """

    path: tuple[str, ...]
    path_zh: tuple[str, ...]
    words: tuple[str, ...]
    words_zh: tuple[str, ...]
    attrs: tuple[tuple[str, str], ...]
    price: float
    spread: float = 0.45
    consumable: bool = False

    @property
    def top(self) -> str:
        """The top-level category name."""
        return self.path[0]

    def category(self, zh: bool = False) -> str:
        """The category path joined with ' > '."""
        return " > ".join(self.path_zh if zh else self.path)


TOPS: tuple[tuple[str, str], ...] = (
    ("Electronics", "电子产品"),
    ("Home", "家居"),
    ("Clothing", "服装"),
    ("Sports & Outdoors", "运动户外"),
    ("Beauty", "美妆个护"),
    ("Grocery", "食品饮料"),
    ("Toys", "玩具"),
    ("Tools", "五金工具"),
)

_E, _H, _C, _S, _B, _G, _T, _W = (t for t in TOPS)


def _p(top: tuple[str, str], *levels: tuple[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (top[0], *(en for en, _ in levels)), (top[1], *(zh for _, zh in levels))


def _leaf(
    paths: tuple[tuple[str, ...], tuple[str, ...]],
    words: tuple[str, ...],
    words_zh: tuple[str, ...],
    attrs: tuple[tuple[str, str], ...],
    price: float,
    spread: float = 0.45,
    consumable: bool = False,
) -> Leaf:
    return Leaf(paths[0], paths[1], words, words_zh, attrs, price, spread, consumable)


LEAVES: tuple[Leaf, ...] = (
    _leaf(
        _p(_E, ("Phones", "手机")),
        ("Smartphone", "Mobile Phone", "Phone"),
        ("手机", "智能手机"),
        (("color", "color"), ("storage", "storage")),
        450.0,
        0.5,
    ),
    _leaf(
        _p(_E, ("Laptops", "笔记本电脑")),
        ("Laptop", "Notebook Computer"),
        ("笔记本电脑", "轻薄本"),
        (("color", "color_tech"), ("screen", "screen"), ("storage", "storage")),
        950.0,
        0.4,
    ),
    _leaf(
        _p(_E, ("Headphones", "耳机")),
        ("Headphones", "Earbuds", "Headset"),
        ("耳机", "蓝牙耳机"),
        (("color", "color"), ("connectivity", "connectivity")),
        80.0,
        0.7,
    ),
    _leaf(
        _p(_E, ("Cameras", "相机")),
        ("Digital Camera", "Camera"),
        ("相机", "数码相机"),
        (("color", "color_tech"), ("resolution", "resolution")),
        420.0,
        0.6,
    ),
    _leaf(
        _p(_E, ("Chargers", "充电器")),
        ("Charger", "Power Adapter", "Wall Charger"),
        ("充电器", "充电头"),
        (("color", "color_tech"), ("wattage", "watts_charger")),
        25.0,
    ),
    _leaf(
        _p(_H, ("Kitchen", "厨房"), ("Cookware", "锅具")),
        ("Frying Pan", "Skillet"),
        ("炒锅", "平底锅"),
        (("color", "color"), ("material", "mat_cookware"), ("size", "diameter")),
        45.0,
    ),
    _leaf(
        _p(_H, ("Kitchen", "厨房"), ("Blenders", "搅拌机")),
        ("Blender", "Smoothie Maker"),
        ("搅拌机", "破壁机"),
        (("color", "color"), ("capacity", "cap_blender"), ("wattage", "watts_blender")),
        70.0,
    ),
    _leaf(
        _p(_H, ("Kitchen", "厨房"), ("Rice Cookers", "电饭煲")),
        ("Rice Cooker",),
        ("电饭煲",),
        (("color", "color"), ("capacity", "cap_rice")),
        65.0,
    ),
    _leaf(
        _p(_H, ("Bedding", "床上用品")),
        ("Duvet Cover Set", "Bedding Set"),
        ("被套", "床上四件套"),
        (("color", "color"), ("material", "mat_bedding"), ("size", "bed_size")),
        55.0,
    ),
    _leaf(
        _p(_H, ("Lighting", "灯具")),
        ("Desk Lamp", "Table Lamp"),
        ("台灯", "护眼台灯"),
        (("color", "color"), ("material", "mat_lamp"), ("wattage", "watts_lamp")),
        35.0,
    ),
    _leaf(
        _p(_C, ("T-Shirts", "T恤")),
        ("T-Shirt", "Tee"),
        ("T恤", "短袖T恤"),
        (("color", "color"), ("size", "apparel_size"), ("material", "mat_fabric")),
        20.0,
    ),
    _leaf(
        _p(_C, ("Jackets", "外套")),
        ("Jacket", "Coat"),
        ("外套", "夹克"),
        (("color", "color"), ("size", "apparel_size"), ("material", "mat_fabric")),
        95.0,
    ),
    _leaf(
        _p(_C, ("Jeans", "牛仔裤")),
        ("Jeans", "Denim Pants"),
        ("牛仔裤",),
        (("color", "color_denim"), ("size", "waist")),
        45.0,
    ),
    _leaf(
        _p(_C, ("Socks", "袜子")),
        ("Socks", "Crew Socks"),
        ("袜子", "棉袜"),
        (("color", "color"), ("size", "apparel_size"), ("pack", "pack")),
        12.0,
        consumable=True,
    ),
    _leaf(
        _p(_S, ("Running Shoes", "跑鞋")),
        ("Running Shoes", "Sneakers", "Trainers"),
        ("运动鞋", "跑步鞋"),
        (("color", "color"), ("size", "shoe_size")),
        85.0,
    ),
    _leaf(
        _p(_S, ("Camping", "露营"), ("Tents", "帐篷")),
        ("Tent", "Camping Tent"),
        ("帐篷", "露营帐篷"),
        (("color", "color"), ("capacity", "tent_capacity")),
        130.0,
    ),
    _leaf(
        _p(_S, ("Fitness", "健身")),
        ("Yoga Mat", "Exercise Mat"),
        ("瑜伽垫", "健身垫"),
        (("color", "color"), ("material", "mat_yoga"), ("thickness", "thickness")),
        30.0,
    ),
    _leaf(
        _p(_S, ("Cycling", "骑行")),
        ("Bike Helmet", "Cycling Helmet"),
        ("骑行头盔",),
        (("color", "color"), ("size", "helmet_size")),
        55.0,
    ),
    _leaf(
        _p(_B, ("Skincare", "护肤")),
        ("Moisturizer", "Face Cream"),
        ("面霜", "保湿霜"),
        (("volume", "vol_small"), ("skin_type", "skin_type")),
        25.0,
        consumable=True,
    ),
    _leaf(
        _p(_B, ("Hair Care", "洗护")),
        ("Shampoo",),
        ("洗发水",),
        (("volume", "vol_large"), ("scent", "scent")),
        12.0,
        consumable=True,
    ),
    _leaf(
        _p(_B, ("Fragrance", "香水")),
        ("Perfume", "Eau de Parfum"),
        ("香水",),
        (("volume", "vol_small"), ("scent", "scent")),
        65.0,
    ),
    _leaf(
        _p(_B, ("Makeup", "彩妆")),
        ("Lipstick",),
        ("口红",),
        (("color", "color_lip"),),
        18.0,
        consumable=True,
    ),
    _leaf(
        _p(_G, ("Coffee & Tea", "咖啡茶饮"), ("Coffee", "咖啡")),
        ("Coffee Beans", "Ground Coffee"),
        ("咖啡豆", "咖啡粉"),
        (("roast", "roast"), ("weight", "weight")),
        15.0,
        0.35,
        True,
    ),
    _leaf(
        _p(_G, ("Coffee & Tea", "咖啡茶饮"), ("Tea", "茶叶")),
        ("Green Tea", "Loose Leaf Tea"),
        ("茶叶", "绿茶"),
        (("weight", "weight"),),
        11.0,
        0.5,
        True,
    ),
    _leaf(
        _p(_G, ("Snacks", "零食")),
        ("Granola Bars", "Snack Bars"),
        ("能量棒", "零食"),
        (("flavor", "flavor"), ("pack", "pack")),
        7.0,
        0.35,
        True,
    ),
    _leaf(
        _p(_G, ("Beverages", "饮料")),
        ("Sparkling Water", "Seltzer"),
        ("气泡水", "苏打水"),
        (("flavor", "flavor"), ("pack", "pack")),
        8.0,
        0.3,
        True,
    ),
    _leaf(
        _p(_T, ("Building Sets", "积木")),
        ("Building Blocks", "Building Set"),
        ("积木",),
        (("pieces", "pieces_blocks"), ("age", "age")),
        40.0,
        0.6,
    ),
    _leaf(
        _p(_T, ("Puzzles", "拼图")),
        ("Jigsaw Puzzle", "Puzzle"),
        ("拼图",),
        (("pieces", "pieces_puzzle"),),
        18.0,
        0.35,
    ),
    _leaf(
        _p(_T, ("Plush Toys", "毛绒玩具")),
        ("Plush Toy", "Stuffed Animal"),
        ("毛绒玩具", "公仔"),
        (("color", "color"), ("size", "plush_size")),
        22.0,
    ),
    _leaf(
        _p(_W, ("Power Tools", "电动工具"), ("Drills", "电钻")),
        ("Cordless Drill", "Drill"),
        ("电钻", "充电钻"),
        (("color", "color_tool"), ("voltage", "voltage")),
        95.0,
    ),
    _leaf(
        _p(_W, ("Hand Tools", "手动工具"), ("Wrenches", "扳手")),
        ("Socket Wrench", "Ratchet Wrench"),
        ("扳手", "棘轮扳手"),
        (("material", "mat_tool"), ("size", "drive_size")),
        25.0,
    ),
    _leaf(
        _p(_W, ("Fasteners", "紧固件")),
        ("Wood Screws", "Screws"),
        ("螺丝", "木螺丝"),
        (("material", "mat_screw"), ("size", "screw_length"), ("pack", "pack_screws")),
        9.0,
        0.4,
        True,
    ),
)

TOP_NAMES: tuple[str, ...] = tuple(en for en, _ in TOPS)
LEAF_TOP: tuple[int, ...] = tuple(TOP_NAMES.index(leaf.top) for leaf in LEAVES)
# Value sets that read as a trailing size in a title ("Socket Wrench 1/2 in.").
SIZE_SUFFIX_SETS: frozenset[str] = frozenset({"drive_size", "screw_length", "diameter"})
