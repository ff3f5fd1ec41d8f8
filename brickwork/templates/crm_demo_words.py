"""Word lists for the CRM demo data: company and person names in Chinese and English,
provinces and cities (GB/T 2260 codes), products and the phrases of follow-ups and tickets.
Everything is picked with a seeded ``random.Random``, so a seed always gives the same data."""

from __future__ import annotations

import random

# (character, pinyin): two of them make a brand (云帆 yunfan).
BRAND = [
    ("云", "yun"),
    ("帆", "fan"),
    ("恒", "heng"),
    ("达", "da"),
    ("华", "hua"),
    ("信", "xin"),
    ("瑞", "rui"),
    ("泰", "tai"),
    ("中", "zhong"),
    ("天", "tian"),
    ("远", "yuan"),
    ("博", "bo"),
    ("鑫", "xin"),
    ("盛", "sheng"),
    ("安", "an"),
    ("宏", "hong"),
    ("新", "xin"),
    ("立", "li"),
    ("康", "kang"),
    ("益", "yi"),
    ("嘉", "jia"),
    ("凯", "kai"),
    ("通", "tong"),
    ("联", "lian"),
    ("智", "zhi"),
    ("创", "chuang"),
    ("科", "ke"),
    ("诚", "cheng"),
    ("海", "hai"),
    ("峰", "feng"),
    ("宇", "yu"),
    ("辰", "chen"),
    ("启", "qi"),
    ("明", "ming"),
    ("景", "jing"),
    ("合", "he"),
    ("和", "he"),
    ("润", "run"),
    ("丰", "feng"),
    ("源", "yuan"),
    ("星", "xing"),
    ("晨", "chen"),
    ("金", "jin"),
    ("银", "yin"),
    ("东", "dong"),
    ("方", "fang"),
    ("正", "zheng"),
    ("德", "de"),
    ("永", "yong"),
    ("汇", "hui"),
    ("亿", "yi"),
    ("锦", "jin"),
    ("荣", "rong"),
    ("鼎", "ding"),
    ("驰", "chi"),
    ("腾", "teng"),
    ("越", "yue"),
    ("卓", "zhuo"),
    ("祥", "xiang"),
    ("佳", "jia"),
    ("优", "you"),
    ("捷", "jie"),
]
# Industry option id → (Chinese business words, English business words).
TRADES = {
    "ind_it": (["科技", "信息技术", "软件", "网络科技", "数据科技"], ["Software", "Technologies", "Systems", "Data"]),
    "ind_manufacturing": (
        ["机械", "精密制造", "电子", "新材料", "智能装备"],
        ["Manufacturing", "Machinery", "Electronics", "Industries"],
    ),
    "ind_retail": (["商贸", "零售", "百货", "电子商务"], ["Retail", "Trading", "Stores", "Commerce"]),
    "ind_finance": (["投资", "融资租赁", "资产管理"], ["Capital", "Finance", "Investments"]),
    "ind_healthcare": (["医药", "医疗器械", "生物科技", "健康管理"], ["Pharma", "Medical", "Biotech", "Health"]),
    "ind_education": (["教育科技", "培训", "文化传播"], ["Education", "Learning", "Academy"]),
    "ind_energy": (["能源", "新能源", "电力工程", "光伏"], ["Energy", "Power", "Solar"]),
    "ind_logistics": (["物流", "供应链", "国际货运"], ["Logistics", "Supply Chain", "Freight"]),
    "ind_real_estate": (["置业", "物业管理", "建设"], ["Properties", "Realty", "Construction"]),
    "ind_government": (["公共服务中心", "城市建设投资"], ["Public Services", "Urban Development"]),
    "ind_other": (["实业", "集团", "咨询"], ["Group", "Holdings", "Consulting"]),
}
INDUSTRY_WEIGHTS = {
    "ind_it": 22,
    "ind_manufacturing": 24,
    "ind_retail": 12,
    "ind_finance": 7,
    "ind_healthcare": 9,
    "ind_education": 6,
    "ind_energy": 6,
    "ind_logistics": 7,
    "ind_real_estate": 4,
    "ind_government": 2,
    "ind_other": 5,
}
CN_SUFFIX = ["有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司"]
EN_PARTS = [
    "Nor",
    "Vex",
    "Al",
    "Tri",
    "Gen",
    "Lum",
    "Quan",
    "Sil",
    "Ver",
    "Zen",
    "Cor",
    "Nova",
    "Ard",
    "Bel",
    "Cal",
    "Dyn",
    "Ever",
    "Fal",
    "Hel",
    "Ion",
    "Kin",
    "Mer",
    "Or",
    "Pax",
    "Stel",
    "Ter",
    "Ul",
    "Wex",
    "Xan",
    "Yor",
]
EN_ENDS = ["ion", "a", "ex", "is", "on", "ia", "ant", "ora", "ix", "us", "en", "ar", "ium", "ent"]
EN_SUFFIX = ["Ltd.", "Inc.", "Co., Ltd.", "GmbH", "Pte. Ltd.", "LLC"]

# Surnames, most common first, and given-name characters, each with its pinyin (for email addresses).
SURNAMES = [
    tuple(p.split(":"))
    for p in (
        "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu 周:zhou 徐:xu 孙:sun 马:ma 朱:zhu 胡:hu "
        "郭:guo 何:he 高:gao 林:lin 罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang 许:xu 韩:han 冯:feng 邓:deng "
        "曹:cao 彭:peng 曾:zeng 肖:xiao 田:tian 董:dong 袁:yuan 潘:pan 于:yu 蒋:jiang 蔡:cai 杜:du 叶:ye 程:cheng "
        "苏:su 魏:wei 吕:lv 丁:ding 沈:shen 姚:yao 钟:zhong 陆:lu 汪:wang 范:fan 金:jin 石:shi 夏:xia 方:fang"
    ).split()
]
GIVEN = [
    tuple(p.split(":"))
    for p in (
        "伟:wei 芳:fang 娜:na 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun 洋:yang 勇:yong 艳:yan 杰:jie 娟:juan "
        "涛:tao 明:ming 超:chao 霞:xia 平:ping 刚:gang 华:hua 博:bo 涵:han 轩:xuan 然:ran 怡:yi 远:yuan 琪:qi "
        "鸣:ming 晨:chen 曦:xi 宇:yu 航:hang 欣:xin 嘉:jia 文:wen 东:dong 海:hai 燕:yan 红:hong 梅:mei 婷:ting "
        "鹏:peng 飞:fei 凯:kai 悦:yue 琳:lin 浩:hao 子:zi 思:si 雪:xue 佳:jia"
    ).split()
]
FIRST = [
    "James",
    "Mary",
    "Robert",
    "Linda",
    "Michael",
    "Sarah",
    "David",
    "Emma",
    "Daniel",
    "Olivia",
    "Thomas",
    "Sophie",
    "Peter",
    "Laura",
    "Kevin",
    "Anna",
    "Mark",
    "Grace",
    "Lucas",
    "Chloe",
    "Ethan",
    "Hannah",
    "Ryan",
    "Mia",
]
LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Wilson",
    "Miller",
    "Schmidt",
    "Martin",
    "Tan",
    "Lim",
    "Wong",
    "Lee",
    "Anderson",
    "Clarke",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Hill",
    "Adams",
    "Ng",
]
TITLES = [
    ("总经理", "General Manager"),
    ("采购经理", "Purchasing Manager"),
    ("IT 总监", "IT Director"),
    ("财务总监", "CFO"),
    ("运营经理", "Operations Manager"),
    ("技术负责人", "Head of Engineering"),
    ("行政主管", "Office Manager"),
    ("项目经理", "Project Manager"),
    ("董事长", "Chairman"),
    ("销售总监", "Sales Director"),
]

# Province code, weight, [(city code, city name)].
REGIONS = [
    ("440000", 14, [("440100", "广州"), ("440300", "深圳"), ("440600", "佛山"), ("441900", "东莞")]),
    ("330000", 11, [("330100", "杭州"), ("330200", "宁波"), ("330300", "温州")]),
    ("320000", 12, [("320100", "南京"), ("320200", "无锡"), ("320500", "苏州")]),
    ("310000", 10, [("310100", "上海")]),
    ("110000", 9, [("110100", "北京")]),
    ("370000", 7, [("370100", "济南"), ("370200", "青岛")]),
    ("510000", 6, [("510100", "成都"), ("510700", "绵阳")]),
    ("420000", 5, [("420100", "武汉"), ("420500", "宜昌")]),
    ("350000", 5, [("350100", "福州"), ("350200", "厦门")]),
    ("410000", 4, [("410100", "郑州"), ("410300", "洛阳")]),
    ("430000", 4, [("430100", "长沙")]),
    ("610000", 3, [("610100", "西安")]),
    ("340000", 3, [("340100", "合肥")]),
    ("120000", 3, [("120100", "天津")]),
    ("500000", 3, [("500100", "重庆")]),
    ("210000", 2, [("210100", "沈阳"), ("210200", "大连")]),
]
STREETS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "科技路",
    "创业大道",
    "文三路",
    "滨江大道",
    "长江路",
    "世纪大道",
    "高新大道",
    "金融街",
    "工业园路",
    "学院路",
    "新华路",
]
MOBILE_PREFIXES = [
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "158",
    "159",
    "186",
    "187",
    "188",
    "189",
    "177",
    "180",
    "181",
    "199",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
]

# Product catalogue: code, Chinese name, category, unit, list price, cost.
PRODUCTS = [
    ("ERP-STD", "ERP 标准版", "cat_software", "套", 58000, 12000),
    ("ERP-ENT", "ERP 企业版", "cat_software", "套", 168000, 30000),
    ("CRM-CLD", "CRM 云服务（年）", "cat_subscription", "用户·年", 1200, 200),
    ("HR-SAAS", "人力资源云（年）", "cat_subscription", "用户·年", 800, 150),
    ("BI-PRO", "BI 分析平台", "cat_software", "套", 96000, 18000),
    ("WMS-01", "仓储管理系统", "cat_software", "套", 72000, 15000),
    ("SRV-01", "服务器 R740", "cat_hardware", "台", 46000, 38000),
    ("NET-SW", "核心交换机", "cat_hardware", "台", 23000, 18000),
    ("PDA-10", "手持终端 PDA", "cat_hardware", "台", 3200, 2300),
    ("IMPL-D", "实施服务", "cat_service", "人天", 2500, 1200),
    ("TRN-D", "培训服务", "cat_service", "人天", 1800, 800),
    ("MNT-Y", "年度运维服务", "cat_service", "年", 30000, 12000),
    ("CUS-DEV", "定制开发", "cat_service", "人天", 3000, 1500),
    ("SEC-AUD", "安全审计", "cat_service", "次", 40000, 20000),
    ("API-GW", "API 网关（年）", "cat_subscription", "年", 36000, 6000),
    ("IOT-KIT", "物联网网关", "cat_hardware", "台", 5800, 3900),
]
FOLLOWUP_SUBJECTS = {
    "ft_call": ["电话沟通需求", "电话回访", "确认报价细节"],
    "ft_visit": ["上门拜访", "现场调研", "高层拜访"],
    "ft_meeting": ["方案汇报会", "商务谈判会", "项目启动会"],
    "ft_email": ["发送方案资料", "邮件确认合同条款"],
    "ft_wechat": ["微信沟通进展", "微信发送案例"],
}
SUMMARIES = [
    "客户对方案整体认可，关注实施周期和售后响应。",
    "客户预算在审批中，预计下月有结论。",
    "演示了核心功能，客户提出三个定制需求。",
    "竞争对手报价更低，需要突出服务优势。",
    "客户决策链较长，需要约见 IT 总监。",
    "已发送报价单，客户希望再给 5% 折扣。",
    "客户反馈上一期项目效果良好，有扩容意向。",
    "讨论了付款方式，客户倾向分期付款。",
]
NEXT_STEPS = [
    "安排技术交流",
    "提交正式报价",
    "约见决策人",
    "准备合同草稿",
    "发送案例资料",
    "安排产品演示",
    "跟进审批进度",
]
COMPETITORS = ["金蝶", "用友", "Salesforce", "纷享销客", "销售易", "SAP", "浪潮"]
LOSS_REASONS = ["价格高于竞争对手", "客户预算取消", "功能不满足需求", "客户选择了现有供应商", "项目延期无限期搁置"]
TICKET_TITLES = [
    "系统无法登录",
    "报表导出数据不一致",
    "打印模板错位",
    "接口调用超时",
    "设备无法联网",
    "权限配置咨询",
    "数据导入失败",
    "升级后页面报错",
    "发票信息修改",
    "新增用户授权",
]
ARTICLES = [
    ("kc_faq", "如何重置用户密码"),
    ("kc_howto", "如何导入客户数据"),
    ("kc_troubleshooting", "接口调用超时的排查步骤"),
    ("kc_howto", "配置审批流程"),
    ("kc_policy", "售后服务响应时效说明"),
    ("kc_faq", "发票开具常见问题"),
    ("kc_troubleshooting", "设备无法联网的处理方法"),
    ("kc_howto", "自定义打印模板"),
    ("kc_faq", "如何新增用户授权"),
    ("kc_troubleshooting", "报表数据不一致的原因"),
    ("kc_policy", "数据备份与恢复政策"),
    ("kc_howto", "升级到新版本"),
]


def weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def person(rng: random.Random, chinese: bool) -> tuple[str, str]:
    """(name, the local part of their email address)."""
    if chinese:
        surname, family = rng.choice(SURNAMES)
        given = [rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))]
        return surname + "".join(g[0] for g in given), "".join(g[1] for g in given) + "." + family
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return f"{first} {last}", f"{first}.{last}".lower()


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def region(rng: random.Random) -> tuple[str, str, str]:
    """(province code, city code, city name), big provinces more often."""
    province, _weight, cities = rng.choices(REGIONS, [r[1] for r in REGIONS])[0]
    city, name = rng.choice(cities)
    return province, city, name


def company(rng: random.Random, industry: str, city: str, chinese: bool) -> tuple[str, str, str]:
    """(full name, short name, web domain) of a company of the industry."""
    cn_words, en_words = TRADES[industry]
    if chinese:
        (a, pa), (b, pb) = rng.sample(BRAND, 2)
        trade = rng.choice(cn_words)
        return f"{city}{a}{b}{trade}{rng.choice(CN_SUFFIX)}", f"{a}{b}{trade}", f"{pa}{pb}.com.cn"
    brand = rng.choice(EN_PARTS) + rng.choice(EN_ENDS)
    trade = rng.choice(en_words)
    return f"{brand} {trade} {rng.choice(EN_SUFFIX)}", brand, f"{brand.lower()}.com"
