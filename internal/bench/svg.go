package bench

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// palette gives series distinct colours that stay apart for the common
// forms of colour blindness as far as ten colours can.
var palette = []string{
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
}

type point struct{ x, y float64 }

type series struct {
	name   string
	points []point
}

type tick struct {
	at    float64
	label string
}

// lineChart is an SVG line chart with its own axes and legend. The x axis
// is in data units already transformed (log scales are the caller's), with
// explicit ticks; the y axis starts at 0 and gets round ticks.
type lineChart struct {
	title          string
	xLabel, yLabel string
	xTicks         []tick
	yFormat        func(float64) string
	markers        bool // draw a dot at every point
	series         []series
}

const (
	chartW       = 640
	chartH       = 320
	marginLeft   = 64
	marginRight  = 20
	marginTop    = 58
	marginBottom = 48
)

// svg renders the chart. All text is escaped, so series names from the
// command line cannot inject markup.
func (c *lineChart) svg() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d"`,
		chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, ` role="img" aria-label="%s" font-family="system-ui, sans-serif">`, html.EscapeString(c.title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`, chartW, chartH)
	svgText(&b, marginLeft, 18, 14, "start", c.title, ` font-weight="bold"`)
	c.legend(&b)

	x0, x1, ymax := c.bounds()
	yt := niceTicks(ymax, 5)
	ytop := yt[len(yt)-1]
	pw, ph := float64(chartW-marginLeft-marginRight), float64(chartH-marginTop-marginBottom)
	px := func(x float64) float64 {
		if x1 == x0 {
			return marginLeft + pw/2
		}
		return marginLeft + (x-x0)/(x1-x0)*pw
	}
	py := func(y float64) float64 { return marginTop + ph - y/ytop*ph }
	left, right := float64(marginLeft), float64(chartW-marginRight)
	top, bottom := float64(marginTop), float64(chartH-marginBottom)

	for _, v := range yt {
		svgLine(&b, left, py(v), right, py(v), "#e5e5e5")
		svgText(&b, left-6, py(v)+4, 11, "end", c.yFormat(v), "")
	}
	for _, t := range c.xTicks {
		svgLine(&b, px(t.at), top, px(t.at), bottom, "#e5e5e5")
		svgText(&b, px(t.at), bottom+16, 11, "middle", t.label, "")
	}
	svgLine(&b, left, bottom, right, bottom, "#333")
	svgLine(&b, left, top, left, bottom, "#333")
	svgText(&b, left+pw/2, chartH-10, 12, "middle", c.xLabel, "")
	fmt.Fprintf(&b, `<text transform="translate(14 %s) rotate(-90)" font-size="12" text-anchor="middle">%s</text>`,
		f1(top+ph/2), html.EscapeString(c.yLabel))

	for i, s := range c.series {
		color := palette[i%len(palette)]
		pts := make([]string, len(s.points))
		for j, p := range s.points {
			pts[j] = f1(px(p.x)) + "," + f1(py(p.y))
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, color, strings.Join(pts, " "))
		}
		if c.markers || len(pts) == 1 {
			for _, p := range s.points {
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3.5" fill="%s"><title>%s: %s</title></circle>`,
					f1(px(p.x)), f1(py(p.y)), color, html.EscapeString(s.name), html.EscapeString(c.yFormat(p.y)))
			}
		}
	}
	b.WriteString("</svg>")
	return b.String()
}

func svgLine(b *strings.Builder, x1, y1, x2, y2 float64, stroke string) {
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, f1(x1), f1(y1), f1(x2), f1(y2), stroke)
}

// svgText writes escaped text; extra holds further attributes, written as
// given.
func svgText(b *strings.Builder, x, y float64, size int, anchor, text, extra string) {
	fmt.Fprintf(b, `<text x="%s" y="%s" font-size="%d" text-anchor="%s"%s>%s</text>`,
		f1(x), f1(y), size, anchor, extra, html.EscapeString(text))
}

// legend draws the series names in a row under the title, wrapping when
// they do not fit.
func (c *lineChart) legend(b *strings.Builder) {
	x, y := marginLeft, 38
	for i, s := range c.series {
		w := 22 + 7*len([]rune(s.name))
		if x+w > chartW-marginRight && x > marginLeft {
			x, y = marginLeft, y+14
		}
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="4" fill="%s"/>`, x, y-5, palette[i%len(palette)])
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11">%s</text>`, x+16, y, html.EscapeString(s.name))
		x += w + 12
	}
}

func (c *lineChart) bounds() (x0, x1, ymax float64) {
	x0, x1 = math.Inf(1), math.Inf(-1)
	for _, t := range c.xTicks {
		x0, x1 = math.Min(x0, t.at), math.Max(x1, t.at)
	}
	for _, s := range c.series {
		for _, p := range s.points {
			x0, x1 = math.Min(x0, p.x), math.Max(x1, p.x)
			ymax = math.Max(ymax, p.y)
		}
	}
	if math.IsInf(x0, 0) {
		x0, x1 = 0, 1
	}
	return x0, x1, ymax
}

// niceTicks returns about n round values from 0 up to at least top, in
// steps of 1, 2 or 5 times a power of ten.
func niceTicks(top float64, n int) []float64 {
	if top <= 0 || math.IsNaN(top) || math.IsInf(top, 0) {
		return []float64{0, 1}
	}
	raw := top / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for i := 0; ; i++ {
		v := float64(i) * step
		out = append(out, v)
		if v >= top {
			return out
		}
	}
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
