package fake

// cnCity is a Chinese city with the districts addresses are drawn from; postal codes are
// each district's main code.
type cnCity struct {
	province, city string // Address.Region and Address.City: 广东省, 广州市 (上海市, 上海市)
	short, py      string // the name used in company names, and its pinyin: 广州, Guangzhou
	districts      []cnDistrict
}

type cnDistrict struct{ name, postal string }

var cnCities = []cnCity{
	{"上海市", "上海市", "上海", "Shanghai", []cnDistrict{{"浦东新区", "200120"}, {"徐汇区", "200030"}, {"静安区", "200040"}, {"黄浦区", "200001"}, {"闵行区", "201100"}}},
	{"北京市", "北京市", "北京", "Beijing", []cnDistrict{{"朝阳区", "100020"}, {"海淀区", "100080"}, {"东城区", "100010"}, {"西城区", "100032"}, {"丰台区", "100071"}}},
	{"广东省", "广州市", "广州", "Guangzhou", []cnDistrict{{"天河区", "510630"}, {"越秀区", "510030"}, {"海珠区", "510220"}, {"番禺区", "511400"}}},
	{"广东省", "深圳市", "深圳", "Shenzhen", []cnDistrict{{"南山区", "518052"}, {"福田区", "518048"}, {"宝安区", "518101"}, {"龙岗区", "518172"}}},
	{"四川省", "成都市", "成都", "Chengdu", []cnDistrict{{"武侯区", "610041"}, {"锦江区", "610021"}, {"成华区", "610051"}}},
	{"重庆市", "重庆市", "重庆", "Chongqing", []cnDistrict{{"渝中区", "400010"}, {"江北区", "400020"}, {"南岸区", "400060"}}},
	{"浙江省", "杭州市", "杭州", "Hangzhou", []cnDistrict{{"西湖区", "310012"}, {"上城区", "310002"}, {"滨江区", "310051"}, {"余杭区", "311100"}}},
	{"湖北省", "武汉市", "武汉", "Wuhan", []cnDistrict{{"武昌区", "430061"}, {"洪山区", "430070"}, {"江汉区", "430021"}}},
	{"江苏省", "南京市", "南京", "Nanjing", []cnDistrict{{"鼓楼区", "210009"}, {"玄武区", "210018"}, {"建邺区", "210019"}}},
	{"陕西省", "西安市", "西安", "Xi'an", []cnDistrict{{"雁塔区", "710061"}, {"碑林区", "710001"}, {"未央区", "710016"}}},
	{"天津市", "天津市", "天津", "Tianjin", []cnDistrict{{"和平区", "300041"}, {"南开区", "300100"}, {"河西区", "300202"}}},
	{"江苏省", "苏州市", "苏州", "Suzhou", []cnDistrict{{"姑苏区", "215008"}, {"吴中区", "215128"}, {"虎丘区", "215011"}}},
	{"湖南省", "长沙市", "长沙", "Changsha", []cnDistrict{{"岳麓区", "410006"}, {"芙蓉区", "410011"}, {"天心区", "410004"}}},
	{"河南省", "郑州市", "郑州", "Zhengzhou", []cnDistrict{{"金水区", "450003"}, {"二七区", "450052"}, {"中原区", "450007"}}},
	{"山东省", "青岛市", "青岛", "Qingdao", []cnDistrict{{"市南区", "266001"}, {"崂山区", "266100"}}},
	{"山东省", "济南市", "济南", "Jinan", []cnDistrict{{"历下区", "250011"}, {"市中区", "250001"}}},
	{"福建省", "厦门市", "厦门", "Xiamen", []cnDistrict{{"思明区", "361001"}, {"湖里区", "361006"}}},
	{"福建省", "福州市", "福州", "Fuzhou", []cnDistrict{{"鼓楼区", "350001"}, {"台江区", "350004"}}},
	{"浙江省", "宁波市", "宁波", "Ningbo", []cnDistrict{{"海曙区", "315000"}, {"鄞州区", "315100"}}},
	{"安徽省", "合肥市", "合肥", "Hefei", []cnDistrict{{"蜀山区", "230031"}, {"包河区", "230041"}}},
	{"广东省", "东莞市", "东莞", "Dongguan", []cnDistrict{{"南城街道", "523000"}, {"东城街道", "523000"}}},
	{"云南省", "昆明市", "昆明", "Kunming", []cnDistrict{{"五华区", "650021"}, {"盘龙区", "650051"}}},
	{"辽宁省", "沈阳市", "沈阳", "Shenyang", []cnDistrict{{"和平区", "110001"}, {"沈河区", "110011"}}},
	{"黑龙江省", "哈尔滨市", "哈尔滨", "Harbin", []cnDistrict{{"南岗区", "150001"}, {"道里区", "150010"}}},
}

// cnCityWeights are roughly proportional to each city's urban population.
var cnCityWeights = []uint32{25, 22, 15, 15, 12, 12, 10, 10, 8, 8, 8, 8, 6, 7, 5, 4, 3, 4, 4, 5, 5, 4, 5, 4}

var cnRoads = []string{
	"中山路", "人民路", "解放路", "建设路", "和平路", "新华路", "长江路", "延安路", "南京路", "淮海路",
	"学府路", "文化路", "胜利路", "光明街", "朝阳街", "幸福路", "青年路", "东风路", "工业路", "科技路",
	"滨江大道", "世纪大道", "花园路", "健康路", "迎宾路", "北京路", "黄河路", "振兴路", "团结路", "育才路",
}

// usCity is a US city with a range of its ZIP codes and its area codes.
type usCity struct {
	city, state string
	zip, span   int
	areaCodes   []string
}

var usCities = []usCity{
	{"New York", "NY", 10001, 40, []string{"212", "646", "917"}},
	{"Los Angeles", "CA", 90001, 70, []string{"213", "310", "323"}},
	{"Chicago", "IL", 60601, 60, []string{"312", "773"}},
	{"Houston", "TX", 77001, 90, []string{"713", "832"}},
	{"Phoenix", "AZ", 85001, 50, []string{"602", "480"}},
	{"Philadelphia", "PA", 19102, 50, []string{"215", "267"}},
	{"San Antonio", "TX", 78201, 60, []string{"210"}},
	{"San Diego", "CA", 92101, 50, []string{"619", "858"}},
	{"Dallas", "TX", 75201, 50, []string{"214", "469"}},
	{"Austin", "TX", 78701, 50, []string{"512", "737"}},
	{"Seattle", "WA", 98101, 90, []string{"206"}},
	{"Boston", "MA", 2108, 30, []string{"617", "857"}},
	{"Denver", "CO", 80202, 30, []string{"303", "720"}},
	{"Atlanta", "GA", 30303, 30, []string{"404", "470"}},
	{"Miami", "FL", 33125, 40, []string{"305", "786"}},
	{"San Francisco", "CA", 94102, 30, []string{"415", "628"}},
	{"Portland", "OR", 97201, 30, []string{"503", "971"}},
	{"Nashville", "TN", 37201, 20, []string{"615"}},
}

var usCityWeights = []uint32{20, 15, 10, 8, 6, 6, 5, 5, 6, 4, 5, 5, 4, 5, 5, 5, 3, 3}

var usStreets = []string{
	"Main St", "Oak Ave", "Maple Dr", "Park Ave", "Elm St", "Pine St", "Cedar Ln", "Washington Blvd",
	"Lake St", "Sunset Blvd", "Broadway", "2nd St", "3rd Ave", "Lincoln Ave", "Church St",
	"Highland Ave", "River Rd", "Jefferson St", "Madison Ave", "Franklin St",
}

// ukCity is a UK city with outward codes of its postcodes.
type ukCity struct {
	city, nation string
	outward      []string
}

var ukCities = []ukCity{
	{"London", "England", []string{"SW1A", "EC1A", "N1", "E14", "SE1", "W2", "NW3", "SW11"}},
	{"Manchester", "England", []string{"M1", "M4", "M14", "M20"}},
	{"Birmingham", "England", []string{"B1", "B5", "B15", "B29"}},
	{"Leeds", "England", []string{"LS1", "LS6", "LS11"}},
	{"Glasgow", "Scotland", []string{"G1", "G3", "G12"}},
	{"Edinburgh", "Scotland", []string{"EH1", "EH3", "EH10"}},
	{"Bristol", "England", []string{"BS1", "BS6", "BS8"}},
	{"Liverpool", "England", []string{"L1", "L8", "L17"}},
	{"Cardiff", "Wales", []string{"CF10", "CF11", "CF24"}},
	{"Sheffield", "England", []string{"S1", "S10", "S11"}},
	{"Newcastle upon Tyne", "England", []string{"NE1", "NE2", "NE6"}},
	{"Nottingham", "England", []string{"NG1", "NG7"}},
	{"Belfast", "Northern Ireland", []string{"BT1", "BT7", "BT9"}},
}

var ukCityWeights = []uint32{40, 8, 9, 6, 5, 4, 4, 4, 3, 4, 3, 3, 3}

var ukStreets = []string{
	"High Street", "Station Road", "Church Lane", "Victoria Road", "Green Lane", "Manor Road",
	"Park Road", "Queens Road", "Kings Road", "Mill Lane", "The Crescent", "London Road",
	"Church Street", "Albert Road", "York Road", "Springfield Road", "Grange Road", "Windsor Road",
}

// ukInwardLetters are the letters used in the last two places of a UK postcode.
const ukInwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

// Mobile prefixes: Chinese three-digit network prefixes with weights, and UK mobile ranges
// (07 followed by these, then seven digits) that libphonenumber accepts.
var (
	cnMobilePrefixes = []string{
		"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
		"150", "151", "152", "153", "155", "156", "157", "158", "159",
		"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
		"170", "173", "175", "176", "177", "178",
		"190", "191", "193", "195", "196", "197", "198", "199", "147", "166",
	}
	cnMobileWeights = []uint32{
		4, 4, 4, 4, 4, 4, 4, 4, 5, 5,
		3, 3, 3, 3, 3, 3, 3, 3, 3,
		3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
		1, 1, 1, 1, 2, 1,
		1, 1, 1, 1, 1, 1, 1, 2, 1, 1,
	}
	ukMobilePrefixes = []string{
		"71", "72", "73", "74", "75", "78", "771", "772", "773", "774", "775", "776", "777",
		"778", "779", "792", "793", "794", "795", "796", "797", "798", "799",
	}
)

// Email domains with weights, by country.
var (
	cnMailDomains = []string{"qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com", "yeah.net", "gmail.com", "outlook.com", "hotmail.com", "icloud.com"}
	cnMailWeights = []uint32{35, 20, 8, 4, 5, 4, 2, 8, 7, 3, 4}
	usMailDomains = []string{"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "comcast.net", "msn.com"}
	usMailWeights = []uint32{45, 14, 10, 9, 12, 4, 3, 3}
	ukMailDomains = []string{"gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "icloud.com", "btinternet.com", "sky.com", "live.co.uk"}
	ukMailWeights = []uint32{38, 14, 10, 10, 10, 8, 5, 5}
)
