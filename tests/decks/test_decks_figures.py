"""Figures: deterministic PNGs, and no matplotlib at all in a --no-figures build."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zlib

import numpy as np

from decks import figures


def _png_text_chunks(data: bytes) -> list[bytes]:
    chunks, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if kind in (b"tEXt", b"iTXt", b"zTXt", b"tIME"):
            chunks.append(kind + data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return chunks


def test_figures_are_byte_identical_and_carry_no_version_or_time():
    first = figures.sigmoid_and_derivative()
    second = figures.sigmoid_and_derivative()
    assert first.data == second.data and first.name == second.name
    assert first.data.startswith(b"\x89PNG")
    for chunk in _png_text_chunks(first.data):
        assert not chunk.startswith((b"tIME",)), chunk
        assert b"Software" not in chunk and b"matplotlib" not in chunk.lower()
    assert zlib.crc32(first.data)  # a real PNG with content


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_every_figure_is_drawn_for_a_phone_and_reproducible():
    first, second = figures.all_figures(), figures.all_figures()
    assert {k: f.data for k, f in first.items()} == {k: f.data for k, f in second.items()}
    for role, figure in first.items():
        width, height = _png_size(figure.data)
        assert width == round(figures.WIDTH_IN * figures.DPI), role
        # shown 340 px wide on a phone, the smallest text stays legible
        assert figures.MIN_FONT_PT / 72 * figures.DPI * 340 / width >= 11, role
        assert 'class="gd-figure"' in figure.html() and figure.name in figure.html()
    for role in ("lr_unlabelled", "lr_labelled", "parabola"):  # panels stacked, not side by side
        width, height = _png_size(first[role].data)
        assert height > width, role


def test_trace_verdicts_match_gdref_traces():
    small = figures.parabola_trace(figures.TRACE_RATES["too small"], figures.TRACE_STEPS).losses
    right = figures.parabola_trace(figures.TRACE_RATES["about right"], figures.TRACE_STEPS).losses
    large = figures.parabola_trace(figures.TRACE_RATES["too large"], figures.TRACE_STEPS).losses
    assert np.all(np.diff(small) < 0) and small[-1] > 1.0  # falling, but still far off
    assert right[5] < 1e-2 * right[0]  # most of the way down within five steps
    assert large[-1] > large[0]  # growing


def test_no_figures_build_does_not_import_matplotlib(tmp_path):
    source = tmp_path / "n.md"
    text = "TARGET DECK: NeuralComputation::Week-02\n\n## S\n\nQ?\nA.\n"
    source.write_text(text, encoding="utf-8")
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from decks.build import build
        (result,) = build([Path({str(source)!r})], Path({str(tmp_path / "out")!r}), figures=False)
        assert result.note_count > 1, result.note_count  # the computed cards are there
        assert "matplotlib" not in sys.modules, "matplotlib was imported"
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
