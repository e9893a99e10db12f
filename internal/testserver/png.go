package testserver

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"sync"
)

// onePixelPNG is the screenshot tool's image: a real, decodable 1x1 PNG,
// encoded once by the standard library rather than spelled out in bytes.
var onePixelPNG = sync.OnceValue(func() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.SetNRGBA(0, 0, color.NRGBA{R: 0x2a, G: 0x7f, B: 0xd4, A: 0xff})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic("mcpclient: testserver screenshot: encode png: " + err.Error())
	}
	return buf.Bytes()
})
