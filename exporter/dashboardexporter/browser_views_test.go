package dashboardexporter

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

func rowIDs(want ...string) string {
	return fmt.Sprintf(`Array.from(document.querySelectorAll('#rows tr')).map(r => r.dataset.eventId).join(',') === %q`, strings.Join(want, ","))
}

// TestBrowserSharedView: a view made in the page (filters, open event) is
// in its URL; that URL opened in another tab shows the same view; back and
// forward walk through the views.
func TestBrowserSharedView(t *testing.T) {
	ctx := testbin.Browser(t)
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(fixture...))

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/")))
	testbin.WaitJS(t, ctx, rowIDs("e7", "e6", "e5", "e4", "e3", "e2", "e1"), 10*time.Second)
	testbin.EvalJS[bool](t, ctx, `(function(){const s=document.getElementById('f-severity'); s.value='error'; s.dispatchEvent(new Event('change')); return true})()`)
	testbin.WaitJS(t, ctx, rowIDs("e7", "e4", "e3", "e2", "e1"), 5*time.Second)
	assert.Equal(t, "?severity=error", testbin.EvalJS[string](t, ctx, `location.search`))
	testbin.EvalJS[bool](t, ctx, `(function(){const s=document.getElementById('f-category'); s.value='health'; s.dispatchEvent(new Event('change')); return true})()`)
	testbin.WaitJS(t, ctx, rowIDs("e2"), 5*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#rows tr[data-event-id="e2"] td.msg`))))
	testbin.WaitJS(t, ctx, `!document.getElementById('detail').hidden && document.getElementById('d-body').textContent.includes('connection refused')`, 5*time.Second)

	// Copy link: the URL of this view (filters and the open event).
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("d-copy"))))
	testbin.WaitJS(t, ctx, `document.getElementById('d-copied').textContent !== ''`, 5*time.Second)
	link := testbin.EvalJS[string](t, ctx, `document.getElementById('d-link').value`)
	assert.Equal(t, testbin.EvalJS[string](t, ctx, `location.href`), link)
	assert.Contains(t, link, "severity=error")
	assert.Contains(t, link, "category=health")
	assert.True(t, strings.HasSuffix(link, "#/events/e2"), link)

	// Shared: another tab opens the same view with the same event open.
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(link)))
	testbin.WaitJS(t, tab, rowIDs("e2"), 10*time.Second)
	testbin.WaitJS(t, tab, `!document.getElementById('detail').hidden && document.getElementById('d-body').textContent.includes('connection refused')`, 5*time.Second)
	assert.Equal(t, "error", testbin.EvalJS[string](t, tab, `document.getElementById('f-severity').value`))
	assert.Equal(t, "health", testbin.EvalJS[string](t, tab, `document.getElementById('f-category').value`))
	testbin.Screenshot(t, tab, "dashboard-shared-view.png")

	// Back: the event closes; back again: the category filter goes; forward
	// brings it back.
	testbin.EvalJS[bool](t, ctx, `(history.back(), true)`)
	testbin.WaitJS(t, ctx, `document.getElementById('detail').hidden`, 5*time.Second)
	testbin.EvalJS[bool](t, ctx, `(history.back(), true)`)
	testbin.WaitJS(t, ctx, rowIDs("e7", "e4", "e3", "e2", "e1")+` && document.getElementById('f-category').value === ''`, 5*time.Second)
	testbin.EvalJS[bool](t, ctx, `(history.forward(), true)`)
	testbin.WaitJS(t, ctx, rowIDs("e2")+` && document.getElementById('f-category').value === 'health'`, 5*time.Second)

	// A time preset is in the URL as a duration, and read back from it.
	testbin.EvalJS[bool](t, ctx, `(function(){const s=document.getElementById('f-range'); s.value='168h'; s.dispatchEvent(new Event('change')); return true})()`)
	testbin.WaitJS(t, ctx, `new URLSearchParams(location.search).get('since') === '168h'`, 5*time.Second)
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(td.URL+"/?since=720h")))
	testbin.WaitJS(t, tab, `document.getElementById('f-range').value === '720h'`, 5*time.Second)
}

// TestBrowserHistogramBrush: the histogram has axis labels (with the date,
// the events not being today's) and a hover readout; dragging across two
// slots narrows the list to them.
func TestBrowserHistogramBrush(t *testing.T) {
	ctx := testbin.Browser(t)
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(fixture...))
	since, until := t0.Add(-time.Minute), t0.Add(10*time.Minute)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/?since=%d&until=%d", td.URL, since.UnixMilli(), until.UnixMilli()))))
	testbin.WaitJS(t, ctx, rowIDs("e7", "e6", "e5", "e4", "e3", "e2", "e1"), 10*time.Second)
	testbin.WaitJS(t, ctx, `document.querySelectorAll('#histogram rect.sev-ERROR').length === 4`, 10*time.Second)
	labels := testbin.EvalJS[string](t, ctx, `Array.from(document.querySelectorAll('#histogram text.xlabel')).map(t => t.textContent).join('|')`)
	day := t0.Local().Format("2006-01-02")
	assert.Contains(t, labels, day, "the date is shown: the events are not from today")
	assert.Contains(t, labels, since.Local().Format("15:04"))
	assert.Equal(t, "0|0.5|1", testbin.EvalJS[string](t, ctx, `Array.from(document.querySelectorAll('#histogram text.axis:not(.xlabel)')).map(t => t.textContent).join('|')`),
		"y axis: events per slot, up to the largest slot (one)")

	// Slot i's centre, in client coordinates (11 one-minute slots).
	const slotX = `(function(i){const r=document.getElementById('histogram').getBoundingClientRect(); const w=(r.width-52)/11; return r.left+44+(i+0.5)*w})`
	mouse := func(kind string, slot int) {
		testbin.EvalJS[bool](t, ctx, fmt.Sprintf(`(function(){const svg=document.getElementById('histogram'); const r=svg.getBoundingClientRect();
			svg.dispatchEvent(new MouseEvent(%q, {bubbles:true, clientX:%s(%d), clientY:r.top+50})); return true})()`, kind, slotX, slot))
	}
	mouse("mousemove", 2) // t0+1m: e2, one ERROR
	readout := testbin.EvalJS[string](t, ctx, `document.getElementById('hist-readout').textContent`)
	assert.Contains(t, readout, t0.Add(time.Minute).Local().Format("2006-01-02 15:04"))
	assert.Contains(t, readout, "1 event (1 ERROR)")

	// Drag from t0+1m to t0+2m: e2 and e3.
	mouse("mousedown", 2)
	mouse("mousemove", 3)
	mouse("mouseup", 3)
	testbin.WaitJS(t, ctx, rowIDs("e3", "e2"), 5*time.Second)
	assert.Equal(t, "custom", testbin.EvalJS[string](t, ctx, `document.getElementById('f-range').value`))
	q := testbin.EvalJS[string](t, ctx, `location.search`)
	assert.Contains(t, q, fmt.Sprintf("since=%d", t0.Add(time.Minute).UnixMilli()))
	assert.Contains(t, q, fmt.Sprintf("until=%d", t0.Add(3*time.Minute).UnixMilli()))
	// Back returns to the wider range.
	testbin.EvalJS[bool](t, ctx, `(history.back(), true)`)
	testbin.WaitJS(t, ctx, rowIDs("e7", "e6", "e5", "e4", "e3", "e2", "e1"), 5*time.Second)
}
