"""What a figure draws, read back from the canvas: the text a reader sees and where it sits."""

import itertools

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from matplotlib.transforms import Bbox


def _drawn_texts(fig) -> list[tuple[str, Bbox]]:
    """Every piece of text the figure draws, with its box on the canvas: tick labels of ticks inside
    the view only (matplotlib keeps labels of ticks outside it, undrawn), a clipped text cut to its clip."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    drawn, ticks = [], set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks |= {id(tick.label1), id(tick.label2)}
                if lo - 1e-9 * (hi - lo) <= tick.get_loc() <= hi + 1e-9 * (hi - lo):
                    drawn += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    texts = [t for t in fig.findobj(Text) if id(t) not in ticks] + drawn
    boxes = []
    for text in texts:
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if text.get_clip_on() and text.get_clip_box() is not None:
            box = Bbox.intersection(box, text.get_clip_box())
        if box is not None:
            boxes.append((text.get_text(), box))
    return boxes


def overlapping_labels(fig, gap: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap or touch: closer than `gap` pixels both ways."""
    boxes = _drawn_texts(fig)
    return [
        (a, b)
        for (a, p), (b, q) in itertools.combinations(boxes, 2)
        if p.x0 < q.x1 + gap and q.x0 < p.x1 + gap and p.y0 < q.y1 + gap and q.y0 < p.y1 + gap
    ]
