package fake

// The tables in this file are read-only data. Every generated name, address and label that
// can be is a slice of one of these constants, so a million profiles share their storage.

// hanzi is a Chinese name part with its pinyin, written without tone marks: family names
// capitalised ("Wang"), given-name characters in lower case ("ming").
type hanzi struct{ han, py string }

// familyNames are the most common Chinese family names with weights in units of 0.01% of
// the population, after the Ministry of Public Security's 2020 ranking (王 李 张 刘 陈 …)
// and the population shares reported for the 2007 household register. 吕 is romanised as
// in passports (Lyu), so that every phonetic name and email is ASCII.
var familyNames = []hanzi{
	{"王", "Wang"}, {"李", "Li"}, {"张", "Zhang"}, {"刘", "Liu"}, {"陈", "Chen"},
	{"杨", "Yang"}, {"黄", "Huang"}, {"赵", "Zhao"}, {"吴", "Wu"}, {"周", "Zhou"},
	{"徐", "Xu"}, {"孙", "Sun"}, {"马", "Ma"}, {"朱", "Zhu"}, {"胡", "Hu"},
	{"郭", "Guo"}, {"何", "He"}, {"林", "Lin"}, {"高", "Gao"}, {"罗", "Luo"},
	{"郑", "Zheng"}, {"梁", "Liang"}, {"谢", "Xie"}, {"宋", "Song"}, {"唐", "Tang"},
	{"许", "Xu"}, {"韩", "Han"}, {"冯", "Feng"}, {"邓", "Deng"}, {"曹", "Cao"},
	{"彭", "Peng"}, {"曾", "Zeng"}, {"肖", "Xiao"}, {"田", "Tian"}, {"董", "Dong"},
	{"袁", "Yuan"}, {"潘", "Pan"}, {"于", "Yu"}, {"蒋", "Jiang"}, {"蔡", "Cai"},
	{"余", "Yu"}, {"杜", "Du"}, {"叶", "Ye"}, {"程", "Cheng"}, {"苏", "Su"},
	{"魏", "Wei"}, {"吕", "Lyu"}, {"丁", "Ding"}, {"任", "Ren"}, {"沈", "Shen"},
	{"姚", "Yao"}, {"卢", "Lu"}, {"姜", "Jiang"}, {"崔", "Cui"}, {"钟", "Zhong"},
	{"谭", "Tan"}, {"陆", "Lu"}, {"汪", "Wang"}, {"范", "Fan"}, {"金", "Jin"},
	{"石", "Shi"}, {"廖", "Liao"}, {"贾", "Jia"}, {"夏", "Xia"}, {"韦", "Wei"},
	{"付", "Fu"}, {"方", "Fang"}, {"白", "Bai"}, {"邹", "Zou"}, {"孟", "Meng"},
	{"熊", "Xiong"}, {"秦", "Qin"}, {"邱", "Qiu"}, {"江", "Jiang"}, {"尹", "Yin"},
	{"薛", "Xue"}, {"闫", "Yan"}, {"段", "Duan"}, {"雷", "Lei"}, {"侯", "Hou"},
	{"龙", "Long"}, {"史", "Shi"}, {"陶", "Tao"}, {"黎", "Li"}, {"贺", "He"},
	{"顾", "Gu"}, {"毛", "Mao"}, {"郝", "Hao"}, {"龚", "Gong"}, {"邵", "Shao"},
	{"万", "Wan"}, {"钱", "Qian"}, {"严", "Yan"}, {"覃", "Qin"}, {"武", "Wu"},
	{"戴", "Dai"}, {"莫", "Mo"}, {"孔", "Kong"}, {"向", "Xiang"}, {"汤", "Tang"},
	{"欧阳", "Ouyang"}, {"司马", "Sima"}, {"上官", "Shangguan"}, {"诸葛", "Zhuge"},
}

var familyWeights = []uint32{
	725, 719, 683, 538, 453, 308, 230, 226, 205, 189,
	167, 154, 129, 128, 127, 116, 111, 108, 107, 86,
	78, 72, 68, 60, 59, 55, 54, 51, 50, 49,
	48, 47, 46, 45, 44, 43, 42, 41, 40, 39,
	38, 37, 36, 35, 34, 33, 32, 31, 30, 30,
	29, 29, 28, 28, 27, 27, 26, 26, 25, 25,
	24, 24, 23, 23, 22, 22, 21, 21, 20, 20,
	19, 19, 19, 18, 18, 18, 17, 17, 17, 16,
	16, 16, 15, 15, 15, 14, 14, 14, 13, 13,
	13, 12, 12, 12, 12, 11, 11, 11, 10, 10,
	3, 1, 1, 1,
}

// Given-name characters, by the sex they are usually given to; several are used for both.
var maleGiven = []hanzi{
	{"伟", "wei"}, {"强", "qiang"}, {"磊", "lei"}, {"军", "jun"}, {"勇", "yong"},
	{"杰", "jie"}, {"涛", "tao"}, {"斌", "bin"}, {"超", "chao"}, {"明", "ming"},
	{"刚", "gang"}, {"平", "ping"}, {"辉", "hui"}, {"鹏", "peng"}, {"华", "hua"},
	{"飞", "fei"}, {"鑫", "xin"}, {"波", "bo"}, {"宇", "yu"}, {"浩", "hao"},
	{"凯", "kai"}, {"健", "jian"}, {"俊", "jun"}, {"帆", "fan"}, {"帅", "shuai"},
	{"旭", "xu"}, {"宁", "ning"}, {"龙", "long"}, {"林", "lin"}, {"阳", "yang"},
	{"建", "jian"}, {"国", "guo"}, {"志", "zhi"}, {"文", "wen"}, {"博", "bo"},
	{"晨", "chen"}, {"轩", "xuan"}, {"子", "zi"}, {"然", "ran"}, {"泽", "ze"},
	{"睿", "rui"}, {"豪", "hao"}, {"宏", "hong"}, {"东", "dong"}, {"海", "hai"},
	{"峰", "feng"}, {"亮", "liang"}, {"成", "cheng"}, {"天", "tian"}, {"一", "yi"},
	{"小", "xiao"}, {"家", "jia"}, {"嘉", "jia"}, {"安", "an"}, {"航", "hang"},
	{"铭", "ming"}, {"昊", "hao"}, {"晓", "xiao"}, {"永", "yong"}, {"德", "de"},
}

var femaleGiven = []hanzi{
	{"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"},
	{"艳", "yan"}, {"娟", "juan"}, {"霞", "xia"}, {"秀", "xiu"}, {"燕", "yan"},
	{"玲", "ling"}, {"丹", "dan"}, {"萍", "ping"}, {"红", "hong"}, {"婷", "ting"},
	{"雪", "xue"}, {"琳", "lin"}, {"晶", "jing"}, {"颖", "ying"}, {"慧", "hui"},
	{"倩", "qian"}, {"欣", "xin"}, {"怡", "yi"}, {"佳", "jia"}, {"悦", "yue"},
	{"涵", "han"}, {"梦", "meng"}, {"琪", "qi"}, {"雨", "yu"}, {"思", "si"},
	{"嘉", "jia"}, {"月", "yue"}, {"萱", "xuan"}, {"诗", "shi"}, {"雅", "ya"},
	{"晓", "xiao"}, {"小", "xiao"}, {"文", "wen"}, {"美", "mei"}, {"婉", "wan"},
	{"桂", "gui"}, {"英", "ying"}, {"华", "hua"}, {"兰", "lan"}, {"洁", "jie"},
	{"蕾", "lei"}, {"薇", "wei"}, {"瑶", "yao"}, {"欢", "huan"}, {"一", "yi"},
	{"安", "an"}, {"宁", "ning"}, {"子", "zi"}, {"秋", "qiu"}, {"春", "chun"},
}

// English given names: common in the US and UK birth registers of the last seventy years.
var (
	usMale = []string{
		"James", "Michael", "Robert", "John", "David", "William", "Richard", "Joseph", "Thomas",
		"Christopher", "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Andrew",
		"Joshua", "Kevin", "Brian", "Ryan", "Jason", "Justin", "Eric", "Jacob", "Ethan", "Noah",
		"Liam", "Benjamin", "Alexander", "Tyler", "Brandon", "Aaron", "Jose", "Carlos",
	}
	usFemale = []string{
		"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
		"Sarah", "Karen", "Lisa", "Nancy", "Sandra", "Ashley", "Emily", "Michelle", "Amanda",
		"Melissa", "Stephanie", "Rebecca", "Laura", "Emma", "Olivia", "Sophia", "Isabella", "Ava",
		"Mia", "Hannah", "Grace", "Chloe", "Madison", "Abigail", "Maria", "Angela", "Nicole",
	}
	ukMale = []string{
		"Oliver", "George", "Harry", "Jack", "Charlie", "Thomas", "James", "William", "Oscar",
		"Henry", "Leo", "Alfie", "Joshua", "Daniel", "Samuel", "Edward", "Callum", "Lewis",
		"Jamie", "Ben", "Matthew", "Adam", "Luke", "Peter", "Paul", "David", "Andrew", "Mark",
		"Richard", "Stephen", "Gareth", "Ian", "Simon", "Rhys", "Ewan",
	}
	ukFemale = []string{
		"Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily", "Freya", "Ella",
		"Charlotte", "Jessica", "Poppy", "Ruby", "Chloe", "Lucy", "Hannah", "Emma", "Sarah",
		"Rebecca", "Laura", "Claire", "Rachel", "Helen", "Katie", "Victoria", "Elizabeth",
		"Alice", "Eleanor", "Megan", "Siobhan", "Fiona", "Gemma", "Zoe", "Amy",
	}
)

// English family names with weights: US counts per 100,000 people from the 2010 census;
// UK weights follow the order of the ONS/Forebears ranking.
var (
	usFamily = []string{
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
		"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
		"Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
		"Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
		"King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams",
		"Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	}
	usFamilyWeights = []uint32{
		828, 655, 550, 487, 483, 398, 393, 380, 352, 344, 340, 287, 280, 270, 264, 251, 250,
		239, 236, 231, 229, 219, 218, 216, 203, 200, 180, 179, 177, 176, 175, 164, 162, 161,
		158, 149, 146, 144, 144, 143, 142, 141, 139, 138, 135, 131, 129, 129, 128, 128,
	}
	ukFamily = []string{
		"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
		"Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
		"Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper",
		"Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee",
		"Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker", "James", "Bennett",
		"Young", "Phillips", "Richardson", "Mitchell",
	}
	ukFamilyWeights = []uint32{
		1000, 760, 540, 500, 490, 420, 400, 390, 300, 290, 280, 270, 265, 260, 255, 250, 245,
		240, 235, 230, 225, 220, 215, 210, 205, 200, 195, 190, 185, 180, 178, 176, 174, 172,
		170, 168, 166, 164, 162, 160, 158, 156, 154, 152, 150, 148, 146, 144, 142, 140,
	}
)

// Chinese company names: 〈city〉〈brand〉〈trade〉有限公司, e.g. 上海华信贸易有限公司.
var cnBrands = []hanzi{
	{"华信", "Huaxin"}, {"恒通", "Hengtong"}, {"瑞丰", "Ruifeng"}, {"金鼎", "Jinding"},
	{"宏达", "Hongda"}, {"鑫源", "Xinyuan"}, {"天成", "Tiancheng"}, {"永安", "Yong'an"},
	{"盛世", "Shengshi"}, {"中泰", "Zhongtai"}, {"博远", "Boyuan"}, {"新锐", "Xinrui"},
	{"汇通", "Huitong"}, {"嘉禾", "Jiahe"}, {"东方", "Dongfang"}, {"腾达", "Tengda"},
	{"锦程", "Jincheng"}, {"合众", "Hezhong"}, {"百川", "Baichuan"}, {"同创", "Tongchuang"},
	{"海纳", "Haina"}, {"立信", "Lixin"}, {"聚力", "Juli"}, {"润泽", "Runze"},
	{"明辉", "Minghui"}, {"正源", "Zhengyuan"}, {"卓越", "Zhuoyue"}, {"远航", "Yuanhang"},
	{"安泰", "Antai"}, {"德康", "Dekang"}, {"华美", "Huamei"}, {"隆盛", "Longsheng"},
}

// cnTrade is a line of business: its Chinese name, pinyin and the English word used in
// the company's web domain.
type cnTrade struct{ han, py, domain string }

var cnTrades = []cnTrade{
	{"贸易", "Maoyi", "trade"}, {"科技", "Keji", "tech"}, {"电子", "Dianzi", "elec"},
	{"商贸", "Shangmao", "trading"}, {"物流", "Wuliu", "logistics"}, {"建材", "Jiancai", "build"},
	{"文化传媒", "Wenhua Chuanmei", "media"}, {"信息技术", "Xinxi Jishu", "it"},
	{"食品", "Shipin", "food"}, {"医疗器械", "Yiliao Qixie", "medical"}, {"服饰", "Fushi", "fashion"},
	{"家居", "Jiaju", "home"}, {"咨询", "Zixun", "consulting"}, {"印刷", "Yinshua", "print"},
	{"餐饮管理", "Canyin Guanli", "catering"}, {"环保科技", "Huanbao Keji", "eco"},
}

// English company names: 〈word〉 〈trade〉 〈suffix〉, e.g. Northwind Traders Ltd.
var (
	enBrandWords = []string{
		"Northwind", "Bluewater", "Redwood", "Summit", "Pioneer", "Silverline", "Oakridge",
		"Harbor", "Crestview", "Evergreen", "Ironbridge", "Brightside", "Granite", "Lakeside",
		"Riverbend", "Westbrook", "Maple", "Sterling", "Beacon", "Cobalt", "Juniper", "Falcon",
		"Meridian", "Highland",
	}
	enTrades = []string{
		"Traders", "Supplies", "Logistics", "Foods", "Systems", "Partners", "Trading",
		"Industries", "Retail", "Distribution", "Outfitters", "Consulting", "Electronics",
		"Print", "Interiors", "Wholesale",
	}
	usCompanySuffixes = []string{"Inc.", "LLC", "Co.", "Inc.", "LLC"}
	ukCompanySuffixes = []string{"Ltd", "Ltd", "Ltd", "plc", "& Co. Ltd"}
)

// A label in Chinese and English.
type label struct{ zh, en string }

// occupations; the first two are assigned by age only.
var (
	occStudent  = label{"学生", "student"}
	occRetired  = label{"退休", "retired"}
	occupations = []label{
		{"教师", "teacher"}, {"软件工程师", "software engineer"}, {"护士", "nurse"},
		{"会计", "accountant"}, {"销售经理", "sales manager"}, {"公务员", "civil servant"},
		{"医生", "doctor"}, {"司机", "driver"}, {"设计师", "designer"},
		{"个体经营者", "self-employed"}, {"工人", "factory worker"}, {"律师", "lawyer"},
		{"厨师", "chef"}, {"市场专员", "marketing specialist"}, {"行政助理", "administrative assistant"},
		{"产品经理", "product manager"}, {"研究员", "researcher"}, {"快递员", "courier"},
		{"自由职业者", "freelancer"}, {"店主", "shop owner"}, {"工程师", "engineer"},
		{"客服专员", "customer service agent"},
	}
	occupationWeights = []uint32{
		8, 7, 6, 7, 6, 5, 3, 6, 4, 8, 9, 2, 3, 4, 5, 3, 2, 4, 4, 4, 6, 4,
	}
)

// Income bands per country, lowest first, with the share of customers in each.
var (
	incomeCN      = []string{"<50k CNY", "50k-100k CNY", "100k-200k CNY", "200k-500k CNY", ">500k CNY"}
	incomeUS      = []string{"<35k USD", "35k-75k USD", "75k-150k USD", "150k-300k USD", ">300k USD"}
	incomeGB      = []string{"<25k GBP", "25k-50k GBP", "50k-100k GBP", "100k-200k GBP", ">200k GBP"}
	incomeWeights = []uint32{22, 32, 28, 14, 4}
)

// Owners are the account managers customers are assigned to.
var owners = func() []string {
	s := make([]string, 40)
	for i := range s {
		s[i] = "am-" + string(rune('0'+(i+1)/10)) + string(rune('0'+(i+1)%10))
	}
	return s
}()

// tagVocabulary is sorted, so that the tags of a profile come out sorted.
const (
	tagAppUser        = "app-user"
	tagEarlyAdopter   = "early-adopter"
	tagLoyaltyMember  = "loyalty-member"
	tagNewsletter     = "newsletter"
	tagPriceSensitive = "price-sensitive"
	tagReferrer       = "referrer"
	tagVIP            = "vip"
	tagWeChat         = "wechat-follower"
	tagWholesale      = "wholesale"
)

// Preference notes.
var (
	notesZH = []string{"工作日晚上联系", "需要开具增值税发票", "周末请勿来电", "偏好微信沟通", "送货前请先电话确认"}
	notesEN = []string{"no calls before 10:00", "prefers email over phone", "deliver to reception",
		"invoice must show the PO number", "do not call at weekends"}
)

// Acquisition channels with weights for people and for businesses, and the campaigns or
// partners each channel brings customers from.
var (
	acqChannels        = []string{"store", "web", "app", "referral", "marketplace", "social", "agent", "trade-show"}
	acqPersonWeights   = []uint32{25, 25, 20, 10, 10, 8, 1, 1}
	acqBusinessWeights = []uint32{10, 25, 5, 15, 5, 5, 20, 15}
	acqSourcesCN       = [][]string{
		{"walk-in", "store-opening-2024", "spring-fair-2025"},
		{"baidu-search", "newsletter-signup", "official-site"},
		{"app-launch-2024", "wechat-mini-program", "618-promo-2025"},
		{"referral-program", "member-get-member"},
		{"tmall-store", "jd-store", "pinduoduo-store"},
		{"douyin-live", "xiaohongshu-post", "wechat-moments-ad"},
		{"partner-agency", "regional-distributor"},
		{"canton-fair-2024", "cbme-2025"},
	}
	acqSourcesEN = [][]string{
		{"walk-in", "store-opening-2024", "black-friday-2024"},
		{"google-ads", "newsletter-signup", "organic-search"},
		{"app-launch-2024", "app-store-feature", "summer-sale-2025"},
		{"referral-program", "refer-a-friend"},
		{"amazon-store", "ebay-store", "etsy-shop"},
		{"instagram-ads", "tiktok-creator", "facebook-ads"},
		{"partner-agency", "reseller-network"},
		{"ces-2025", "trade-expo-2024"},
	}
)
