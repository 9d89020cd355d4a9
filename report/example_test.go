package report_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/kehu-crm/kehu/chart"
	"github.com/kehu-crm/kehu/report"
)

// A report with key figures, a table and a chart; the example prints the page's body
// without the chart's drawing.
func Example() {
	r := report.New("网店年度报告 2025")
	r.SetLang("zh-CN")
	s := r.Section("Members")
	s.Figures([]report.Figure{{Label: "Customers", Value: "5,000"}, {Label: "Points expired", Value: "182,340"}})
	s.Table(report.Table{Caption: "Members by tier", Header: []string{"Tier", "Members", "Share"},
		Rows: [][]string{{"会员", "3,912", "78.2 %"}, {"银卡", "881", "17.6 %"}, {"金卡", "207", "4.1 %"}}})
	err := s.Chart("Members by tier", chart.Bar{Categories: []string{"会员", "银卡", "金卡"}, Values: []float64{3912, 881, 207}})
	if err != nil {
		fmt.Println(err)
		return
	}
	s.Text("Points expire at the end of the year they were earned in.")

	var page bytes.Buffer
	if _, err := r.WriteTo(&page); err != nil {
		fmt.Println(err)
		return
	}
	body := page.String()
	body = body[strings.Index(body, "<main>") : strings.Index(body, "</main>")+len("</main>")]
	svg := body[strings.Index(body, "<svg") : strings.Index(body, "</svg>")+len("</svg>")]
	fmt.Println(strings.Replace(body, svg, "<svg …>…</svg>", 1))
	// Output:
	// <main>
	// <h1>网店年度报告 2025</h1>
	// <section id="s0">
	// <h2>Members</h2>
	// <dl class="figures">
	// <div><dt>Customers</dt><dd>5,000</dd></div>
	// <div><dt>Points expired</dt><dd>182,340</dd></div>
	// </dl>
	// <div class="table">
	// <table>
	// <caption>Members by tier</caption>
	// <thead>
	// <tr><th scope="col">Tier</th><th scope="col" class="num">Members</th><th scope="col" class="num">Share</th></tr>
	// </thead>
	// <tbody>
	// <tr><td>会员</td><td class="num">3,912</td><td class="num">78.2 %</td></tr>
	// <tr><td>银卡</td><td class="num">881</td><td class="num">17.6 %</td></tr>
	// <tr><td>金卡</td><td class="num">207</td><td class="num">4.1 %</td></tr>
	// </tbody>
	// </table>
	// </div>
	// <figure>
	// <svg …>…</svg>
	// <figcaption>Members by tier</figcaption>
	// </figure>
	// <p>Points expire at the end of the year they were earned in.</p>
	// </section>
	// </main>
}
