/**
 * The words a synthetic listing is made of, each as an [English, Chinese] pair: attribute
 * values, brands, title adjectives and closing sentences. Brands are invented; any likeness to
 * a real company is an accident.
 */

export type Pair = readonly [en: string, zh: string];

/** Values that read the same in both languages ("256GB", "EU 42"). */
const same = (...values: string[]): Pair[] => values.map((v) => [v, v] as const);

const COLORS: Pair[] = [
  ["black", "黑色"],
  ["white", "白色"],
  ["red", "红色"],
  ["blue", "蓝色"],
  ["green", "绿色"],
  ["grey", "灰色"],
  ["pink", "粉色"],
  ["navy", "藏青色"],
  ["beige", "米色"],
  ["purple", "紫色"],
];

/** Value sets by name; a leaf's attribute schema names one set per attribute key. */
export const VALUE_SETS: Readonly<Record<string, readonly Pair[]>> = {
  color: COLORS,
  device_color: [
    ["black", "黑色"],
    ["white", "白色"],
    ["silver", "银色"],
    ["gold", "金色"],
    ["blue", "蓝色"],
  ],
  storage: same("128GB", "256GB", "512GB", "1TB"),
  battery: same("5000mAh", "10000mAh", "20000mAh"),
  connection: [
    ["bluetooth", "蓝牙"],
    ["wired", "有线"],
    ["wireless", "无线"],
  ],
  switch: [
    ["red switch", "红轴"],
    ["brown switch", "茶轴"],
    ["blue switch", "青轴"],
  ],
  strap: [
    ["silicone", "硅胶"],
    ["leather", "皮革"],
    ["steel", "钢制"],
  ],
  kettle_material: [
    ["stainless steel", "不锈钢"],
    ["glass", "玻璃"],
  ],
  volume_kettle: same("1.2L", "1.5L", "1.7L"),
  blade: [
    ["high-carbon steel", "高碳钢"],
    ["damascus steel", "大马士革钢"],
    ["ceramic", "陶瓷"],
  ],
  blade_length: same("15 cm", "18 cm", "20 cm"),
  fryer_volume: same("3.5L", "5L", "6.5L"),
  pillow_fill: [
    ["memory foam", "记忆棉"],
    ["down", "羽绒"],
    ["latex", "乳胶"],
  ],
  lamp_material: [
    ["metal", "金属"],
    ["wood", "实木"],
    ["rattan", "藤编"],
  ],
  apparel_size: same("XS", "S", "M", "L", "XL", "XXL"),
  fabric: [
    ["cotton", "纯棉"],
    ["fleece", "抓绒"],
    ["polyester", "涤纶"],
    ["linen", "亚麻"],
  ],
  shoe_size: same("EU 37", "EU 39", "EU 41", "EU 43", "EU 45"),
  shoe_material: [
    ["mesh", "网面"],
    ["leather", "真皮"],
    ["canvas", "帆布"],
  ],
  bag_volume: same("18L", "25L", "32L"),
  bag_material: [
    ["nylon", "尼龙"],
    ["canvas", "帆布"],
    ["polyester", "涤纶"],
  ],
  weight_dumbbell: same("2 kg", "5 kg", "10 kg", "20 kg"),
  dumbbell_material: [
    ["cast iron", "铸铁"],
    ["rubber", "橡胶"],
    ["neoprene", "氯丁橡胶"],
  ],
  bag_rating: same("-5°C", "0°C", "5°C"),
  bottle_volume: same("500 ml", "750 ml", "1 L"),
  bottle_material: [
    ["stainless steel", "不锈钢"],
    ["tritan", "Tritan"],
    ["glass", "玻璃"],
  ],
  spf: same("SPF 30", "SPF 50", "SPF 50+"),
  skin: [
    ["oily", "油性"],
    ["dry", "干性"],
    ["sensitive", "敏感肌"],
    ["all skin types", "所有肤质"],
  ],
  cosmetic_volume: same("50 ml", "100 ml", "250 ml", "400 ml"),
  scent: [
    ["jasmine", "茉莉"],
    ["coconut", "椰子"],
    ["unscented", "无香"],
    ["green tea", "绿茶"],
  ],
  mascara_effect: [
    ["volume", "浓密"],
    ["lengthening", "纤长"],
    ["curling", "卷翘"],
  ],
  tea_grade: [
    ["first flush", "头采"],
    ["premium", "特级"],
    ["everyday", "一级"],
  ],
  net_weight: same("100 g", "250 g", "500 g"),
  nut_flavor: [
    ["salted", "盐焗"],
    ["honey roasted", "蜂蜜烘烤"],
    ["original", "原味"],
  ],
  roast: [
    ["light roast", "浅烘"],
    ["medium roast", "中烘"],
    ["dark roast", "深烘"],
  ],
  pack_count: [
    ["10-pack", "10包装"],
    ["20-pack", "20包装"],
    ["50-pack", "50包装"],
  ],
  players: [
    ["2-4 players", "2-4人"],
    ["2-6 players", "2-6人"],
    ["3-8 players", "3-8人"],
  ],
  age: same("3+", "6+", "8+", "14+"),
  rc_scale: same("1:16", "1:12", "1:10"),
  doll_size: same("25 cm", "35 cm", "60 cm"),
  paper: [
    ["dotted", "点阵"],
    ["lined", "横线"],
    ["blank", "空白"],
  ],
  page_count: [
    ["96 pages", "96页"],
    ["160 pages", "160页"],
    ["240 pages", "240页"],
  ],
  nib: same("EF", "F", "M"),
  pen_material: [
    ["brass", "黄铜"],
    ["resin", "树脂"],
    ["aluminium", "铝合金"],
  ],
};

/** Brands per top category, in the order of vocab's TOPS: six that sell in English, four in Chinese. */
export const BRANDS: readonly { en: readonly string[]; zh: readonly string[] }[] = [
  {
    en: ["Quantro", "Helix Audio", "Ampere", "Novalink", "Brightcell", "Orbisonic"],
    zh: ["极客", "声浪", "智联", "云芯"],
  },
  {
    en: ["Copperleaf", "Hearthstone", "Kettleby", "Oakhaven", "Lumen & Co", "Saltmarsh"],
    zh: ["好厨", "安居", "暖灯", "木语"],
  },
  {
    en: ["Wrenfield", "Loomhaus", "Cinder & Sage", "Tidewear", "Brookline", "Ashgrove"],
    zh: ["衣尚", "棉之语", "轻野", "城步"],
  },
  {
    en: ["Trailforge", "Apexa", "Northmark", "Pulsefit", "Vantage Peak", "Kinetix"],
    zh: ["飞跃", "山野", "力行", "悦动"],
  },
  {
    en: ["Dewbloom", "Silkora", "Pure Petal", "Aurelle", "Seabright", "Velvetine"],
    zh: ["水漾", "花颜", "初雪", "玉肌"],
  },
  {
    en: ["Highland Leaf", "Roastery Row", "Nutwood", "Amber Valley", "Field & Grain", "Cascade Farms"],
    zh: ["茶山", "果仓", "咖香", "谷语"],
  },
  {
    en: ["Playwise", "Gizmo Grove", "Tumbleweed", "Brickhaven", "Mooncub", "Dice & Co"],
    zh: ["童乐", "巧手", "梦想家", "乐玩"],
  },
  {
    en: ["Papermill", "Inkwell", "Folio & Fern", "Quillcraft", "Margin", "Scribe Street"],
    zh: ["墨香", "纸语", "书斋", "笔韵"],
  },
];

export const ADJECTIVES: Readonly<Record<"en" | "zh", readonly string[]>> = {
  en: ["Pro", "Air", "Classic", "Mini", "Plus", "Studio", "Everyday", "Limited", "Eco", "Prime"],
  zh: ["新款", "经典款", "专业级", "便携", "旗舰", "升级款", "家用", "轻奢"],
};

export const MODEL_CODES: readonly string[] = ["K", "V", "T", "R", "ZX", "L", "NS", "E"];

/** Closing sentences of descriptions, per top category. */
export const CLOSINGS: Readonly<Record<"en" | "zh", readonly (readonly string[])[]>> = {
  en: [
    [
      "Pairs in seconds and lasts all day.",
      "Two-year warranty included.",
      "Tested for drops and daily wear.",
    ],
    [
      "Easy to clean, made to last.",
      "Brings a little calm to busy mornings.",
      "A sensible upgrade for any home.",
    ],
    [
      "Cut for comfort from morning to night.",
      "Keeps its shape wash after wash.",
      "Easy to pair with anything.",
    ],
    ["Made for long training days.", "Light enough to carry anywhere.", "Built for rain, mud and sun."],
    [
      "Dermatologist tested and gentle.",
      "No parabens, no animal testing.",
      "Absorbs quickly without residue.",
    ],
    ["Packed fresh at the source.", "A small treat for busy days.", "Nothing artificial added."],
    ["Hours of play away from screens.", "Made from child-safe materials.", "A favourite gift for all ages."],
    [
      "Paper that loves fountain ink.",
      "Made for everyday notes and sketches.",
      "Gift boxed and ready to give.",
    ],
  ],
  zh: [
    ["续航持久，连接稳定。", "两年质保，售后无忧。"],
    ["易于清洁，经久耐用。", "让居家生活更从容。"],
    ["版型舒适，日常百搭。", "多次洗涤不变形。"],
    ["轻便结实，适合户外。", "专业设计，训练更高效。"],
    ["温和配方，敏感肌可用。", "无添加，安心使用。"],
    ["产地直发，新鲜美味。", "零添加，健康之选。"],
    ["安全材质，寓教于乐。", "送礼佳品，老少皆宜。"],
    ["纸张顺滑，书写流畅。", "精美礼盒，送礼体面。"],
  ],
};

/** Attribute keys in Chinese, for Chinese descriptions. */
export const KEY_NAMES_ZH: Readonly<Record<string, string>> = {
  color: "颜色",
  storage: "存储",
  battery: "容量",
  connection: "连接",
  switch: "轴体",
  strap: "表带",
  material: "材质",
  volume: "容量",
  size: "尺寸",
  length: "刃长",
  fill: "填充",
  rating: "舒适温度",
  spf: "防晒指数",
  skin_type: "适用肤质",
  scent: "香型",
  effect: "效果",
  grade: "等级",
  weight: "重量",
  flavor: "口味",
  roast: "烘焙度",
  pack: "规格",
  players: "人数",
  age: "适用年龄",
  scale: "比例",
  paper: "内页",
  pages: "页数",
  nib: "笔尖",
};
