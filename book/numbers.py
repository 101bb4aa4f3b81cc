"""One rule for numbers that people read, used by the prose, the tables and the records.

- a share reads as a percentage; one below 0.01 % reads "< 0.01 %", never "1.6e-56 %";
- a loss keeps four significant figures and never reads "0.000000": a tiny one is written
  in scientific notation;
- a p-value below 0.001 reads "< 0.001";
- a percent sign follows its number after a space, "96.6 %", in prose and glued values alike
  (:func:`spaced_percent`, applied to every page by ``book.sphinx_ext.typography`` and to
  the notebooks' glued values);
- a value that rounds to zero has no sign ("0.0", not "-0.0"); the minus is the plain
  hyphen-minus that the prose's format specs (``{glue:text}`name:+.1f```) also print, so a
  value and its interval read alike.

The lessons' glued prose uses ``{glue:text}`name:spec``` with a spec that this module also
uses for the same name (``tests/test_prose_lint.py`` checks that a name keeps one spec).
"""

import re

SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def signed_zero_free(text):
    """``text`` with ``-0.0`` (or ``+0.0``) written ``0.0``."""
    if text.lstrip("+-").replace("0", "").replace(".", "").strip() == "":
        text = text.lstrip("+-")
    return text


def number(value, spec):
    """``format(value, spec)`` without a signed zero."""
    return signed_zero_free(format(value, spec))


def percent(share, digits=1):
    """``0.9876 -> "98.8 %"``; shares below 0.01 % read ``"< 0.01 %"``."""
    if 0 < share < 1e-4:
        return "< 0.01 %"
    return f"{number(share * 100, f'.{digits}f')} %"


def points(difference, digits=1):
    """A difference of two shares in percentage points, signed: ``+1.2 points``."""
    return f"{number(difference * 100, f'+.{digits}f')} points"


def loss(value):
    """Four significant figures; never ``0.000000`` (tiny losses in scientific notation)."""
    if value != 0 and abs(value) < 1e-3:
        mantissa, exponent = f"{value:.1e}".split("e")
        power = str(int(exponent)).translate(SUPERSCRIPT)
        return f"{number(float(mantissa), '.1f')} \u00d7 10{power}"
    return number(value, ".4g")


def p_value(p):
    """``"< 0.001"`` or three decimals."""
    return "< 0.001" if p < 1e-3 else f"{p:.3f}"


NO_BREAK_SPACE = "\u00a0"


def spaced_percent(text):
    """``"96.6%"`` -> ``"96.6 %"`` (a no-break space): the book's prose writes "95 %", and a
    value glued with a ``%`` format spec (``{glue:text}`acc:.1%```) must read the same."""
    return re.sub(r"(?<=\d)%", NO_BREAK_SPACE + "%", text)
