"""One rule for numbers in the pages' prose: "96.6 %", whether typed or glued.

A value glued with a ``%`` format spec prints "96.6%"; the prose types "95 %". After every
other transform (glued values included), this one puts a no-break space between a number and
its percent sign in every text of a page, except code, math and raw HTML
(``book.numbers.spaced_percent``).
"""

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from ..numbers import spaced_percent

UNTOUCHED = (nodes.literal, nodes.literal_block, nodes.math, nodes.math_block, nodes.raw)


class SpacedPercent(SphinxPostTransform):
    default_priority = 900                   # after myst-nb has put the glued values in

    def run(self, **kwargs):
        for text in list(self.document.findall(nodes.Text)):
            if isinstance(text.parent, UNTOUCHED) or "%" not in text:
                continue
            spaced = spaced_percent(str(text))
            if spaced != str(text):
                text.parent.replace(text, nodes.Text(spaced))


def setup(app):
    app.add_post_transform(SpacedPercent)
