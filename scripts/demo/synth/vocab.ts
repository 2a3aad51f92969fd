/**
 * The shop's category tree: each leaf with its product words, attribute schema and price level,
 * in English and Chinese side by side, so that a Chinese listing is the same kind of product as
 * its English twin and a query's relevance can be judged across both.
 */

export type Leaf = {
  /** Category path from the root, in English and in Chinese. */
  readonly path: { readonly en: readonly string[]; readonly zh: readonly string[] };
  /** Synonyms for the product: a title uses one, a query may use another. */
  readonly words: { readonly en: readonly string[]; readonly zh: readonly string[] };
  /** Attribute key and the name of its value set in words.VALUE_SETS. */
  readonly attrs: readonly (readonly [key: string, set: string])[];
  /** Median price in USD, and the log-normal spread around it. */
  readonly price: number;
  readonly spread: number;
  /** Bought again and again (tea, shampoo), as opposed to once (a phone). */
  readonly consumable: boolean;
};

/** Top categories as [English, Chinese]; a leaf's top is the first element of its path. */
export const TOPS: readonly (readonly [string, string])[] = [
  ["Electronics", "数码电子"],
  ["Home & Kitchen", "家居厨房"],
  ["Fashion", "服饰鞋包"],
  ["Sports & Outdoors", "运动户外"],
  ["Beauty", "美妆个护"],
  ["Food & Drink", "食品饮料"],
  ["Toys & Games", "玩具游戏"],
  ["Stationery", "文具"],
];

type Words = { en: string[]; zh: string[] };

function leaf(
  top: number,
  levels: [string, string][],
  words: Words,
  attrs: [string, string][],
  price: number,
  options: { spread?: number; consumable?: boolean } = {},
): Leaf {
  const [topEn, topZh] = TOPS[top]!;
  return {
    path: { en: [topEn, ...levels.map((l) => l[0])], zh: [topZh, ...levels.map((l) => l[1])] },
    words,
    attrs,
    price,
    spread: options.spread ?? 0.45,
    consumable: options.consumable ?? false,
  };
}

export const LEAVES: readonly Leaf[] = [
  leaf(
    0,
    [["Phones", "手机"]],
    { en: ["Smartphone", "Phone"], zh: ["智能手机", "手机"] },
    [
      ["color", "device_color"],
      ["storage", "storage"],
    ],
    520,
    { spread: 0.5 },
  ),
  leaf(
    0,
    [
      ["Audio", "影音"],
      ["Headphones", "耳机"],
    ],
    { en: ["Headphones", "Earbuds"], zh: ["耳机", "蓝牙耳机"] },
    [
      ["color", "color"],
      ["connection", "connection"],
    ],
    90,
    { spread: 0.7 },
  ),
  leaf(
    0,
    [["Wearables", "智能穿戴"]],
    { en: ["Smartwatch", "Fitness Watch"], zh: ["智能手表", "运动手表"] },
    [
      ["color", "device_color"],
      ["strap", "strap"],
    ],
    180,
  ),
  leaf(
    0,
    [
      ["Accessories", "配件"],
      ["Power Banks", "充电宝"],
    ],
    { en: ["Power Bank", "Portable Charger"], zh: ["充电宝", "移动电源"] },
    [
      ["color", "device_color"],
      ["battery", "battery"],
    ],
    30,
  ),
  leaf(
    0,
    [
      ["Accessories", "配件"],
      ["Keyboards", "键盘"],
    ],
    { en: ["Mechanical Keyboard", "Keyboard"], zh: ["机械键盘", "键盘"] },
    [
      ["color", "color"],
      ["switch", "switch"],
    ],
    75,
  ),
  leaf(
    1,
    [
      ["Kitchen", "厨房"],
      ["Kettles", "电水壶"],
    ],
    { en: ["Electric Kettle", "Kettle"], zh: ["电水壶", "烧水壶"] },
    [
      ["color", "color"],
      ["material", "kettle_material"],
      ["volume", "volume_kettle"],
    ],
    45,
  ),
  leaf(
    1,
    [
      ["Kitchen", "厨房"],
      ["Knives", "刀具"],
    ],
    { en: ["Chef Knife", "Kitchen Knife"], zh: ["厨师刀", "菜刀"] },
    [
      ["material", "blade"],
      ["length", "blade_length"],
    ],
    60,
  ),
  leaf(
    1,
    [
      ["Kitchen", "厨房"],
      ["Air Fryers", "空气炸锅"],
    ],
    { en: ["Air Fryer"], zh: ["空气炸锅"] },
    [
      ["color", "color"],
      ["volume", "fryer_volume"],
    ],
    95,
  ),
  leaf(
    1,
    [
      ["Bedding", "床品"],
      ["Pillows", "枕头"],
    ],
    { en: ["Pillow", "Sleeping Pillow"], zh: ["枕头", "护颈枕"] },
    [["fill", "pillow_fill"]],
    40,
  ),
  leaf(
    1,
    [["Lighting", "灯具"]],
    { en: ["Floor Lamp", "Standing Lamp"], zh: ["落地灯", "立式台灯"] },
    [
      ["color", "color"],
      ["material", "lamp_material"],
    ],
    85,
  ),
  leaf(
    2,
    [
      ["Tops", "上衣"],
      ["Hoodies", "卫衣"],
    ],
    { en: ["Hoodie", "Sweatshirt"], zh: ["卫衣", "连帽卫衣"] },
    [
      ["color", "color"],
      ["size", "apparel_size"],
      ["material", "fabric"],
    ],
    45,
  ),
  leaf(
    2,
    [["Dresses", "连衣裙"]],
    { en: ["Dress", "Midi Dress"], zh: ["连衣裙", "长裙"] },
    [
      ["color", "color"],
      ["size", "apparel_size"],
      ["material", "fabric"],
    ],
    60,
  ),
  leaf(
    2,
    [
      ["Shoes", "鞋靴"],
      ["Sneakers", "运动鞋"],
    ],
    { en: ["Sneakers", "Trainers"], zh: ["运动鞋", "板鞋"] },
    [
      ["color", "color"],
      ["size", "shoe_size"],
      ["material", "shoe_material"],
    ],
    80,
  ),
  leaf(
    2,
    [
      ["Bags", "箱包"],
      ["Backpacks", "双肩包"],
    ],
    { en: ["Backpack", "Daypack"], zh: ["双肩包", "背包"] },
    [
      ["color", "color"],
      ["volume", "bag_volume"],
      ["material", "bag_material"],
    ],
    55,
  ),
  leaf(
    3,
    [
      ["Fitness", "健身"],
      ["Dumbbells", "哑铃"],
    ],
    { en: ["Dumbbell", "Hand Weight"], zh: ["哑铃", "健身哑铃"] },
    [
      ["weight", "weight_dumbbell"],
      ["material", "dumbbell_material"],
    ],
    35,
  ),
  leaf(
    3,
    [
      ["Camping", "露营"],
      ["Sleeping Bags", "睡袋"],
    ],
    { en: ["Sleeping Bag"], zh: ["睡袋", "露营睡袋"] },
    [
      ["color", "color"],
      ["rating", "bag_rating"],
    ],
    70,
  ),
  leaf(
    3,
    [["Hydration", "水具"]],
    { en: ["Water Bottle", "Sports Bottle"], zh: ["水杯", "运动水壶"] },
    [
      ["color", "color"],
      ["volume", "bottle_volume"],
      ["material", "bottle_material"],
    ],
    22,
  ),
  leaf(
    4,
    [
      ["Skincare", "护肤"],
      ["Sunscreen", "防晒"],
    ],
    { en: ["Sunscreen", "Sun Cream"], zh: ["防晒霜", "防晒乳"] },
    [
      ["spf", "spf"],
      ["skin_type", "skin"],
    ],
    18,
    { consumable: true },
  ),
  leaf(
    4,
    [["Hair Care", "洗护发"]],
    { en: ["Conditioner", "Hair Conditioner"], zh: ["护发素"] },
    [
      ["volume", "cosmetic_volume"],
      ["scent", "scent"],
    ],
    12,
    { consumable: true },
  ),
  leaf(
    4,
    [
      ["Makeup", "彩妆"],
      ["Mascara", "睫毛膏"],
    ],
    { en: ["Mascara"], zh: ["睫毛膏"] },
    [
      ["color", "color"],
      ["effect", "mascara_effect"],
    ],
    16,
    { consumable: true },
  ),
  leaf(
    5,
    [
      ["Tea", "茶"],
      ["Oolong", "乌龙茶"],
    ],
    { en: ["Oolong Tea", "Loose Leaf Tea"], zh: ["乌龙茶", "茶叶"] },
    [
      ["grade", "tea_grade"],
      ["weight", "net_weight"],
    ],
    16,
    { spread: 0.5, consumable: true },
  ),
  leaf(
    5,
    [
      ["Snacks", "零食"],
      ["Nuts", "坚果"],
    ],
    { en: ["Mixed Nuts", "Cashews"], zh: ["坚果", "每日坚果"] },
    [
      ["flavor", "nut_flavor"],
      ["weight", "net_weight"],
    ],
    9,
    { spread: 0.35, consumable: true },
  ),
  leaf(
    5,
    [["Coffee", "咖啡"]],
    { en: ["Drip Coffee Bags", "Coffee Bags"], zh: ["挂耳咖啡", "咖啡"] },
    [
      ["roast", "roast"],
      ["pack", "pack_count"],
    ],
    14,
    { spread: 0.35, consumable: true },
  ),
  leaf(
    6,
    [["Board Games", "桌游"]],
    { en: ["Board Game", "Strategy Game"], zh: ["桌游", "策略桌游"] },
    [
      ["players", "players"],
      ["age", "age"],
    ],
    35,
  ),
  leaf(
    6,
    [
      ["Remote Control", "遥控玩具"],
      ["RC Cars", "遥控车"],
    ],
    { en: ["RC Car", "Remote Control Car"], zh: ["遥控车", "遥控赛车"] },
    [
      ["color", "color"],
      ["scale", "rc_scale"],
    ],
    50,
    { spread: 0.6 },
  ),
  leaf(
    6,
    [["Dolls", "玩偶"]],
    { en: ["Plush Doll", "Doll"], zh: ["毛绒玩偶", "公仔"] },
    [
      ["color", "color"],
      ["size", "doll_size"],
    ],
    25,
  ),
  leaf(
    7,
    [
      ["Paper", "纸品"],
      ["Notebooks", "笔记本"],
    ],
    { en: ["Notebook", "Journal"], zh: ["笔记本", "手账本"] },
    [
      ["color", "color"],
      ["paper", "paper"],
      ["pages", "page_count"],
    ],
    14,
    { consumable: true },
  ),
  leaf(
    7,
    [
      ["Writing", "书写工具"],
      ["Fountain Pens", "钢笔"],
    ],
    { en: ["Fountain Pen", "Pen"], zh: ["钢笔", "书写钢笔"] },
    [
      ["nib", "nib"],
      ["material", "pen_material"],
    ],
    40,
    { spread: 0.6 },
  ),
];

/** Index of each leaf's top category in TOPS. */
export const LEAF_TOP: readonly number[] = LEAVES.map((l) => TOPS.findIndex(([en]) => en === l.path.en[0]));

/** Attribute keys that a shopper types into a search box, and that judgements check. */
export const QUERY_KEYS = ["color", "material"] as const;
