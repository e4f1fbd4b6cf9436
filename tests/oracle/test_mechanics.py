"""KV mechanics on tiny random-weight Qwen2-, Llama- and Mistral-shaped models.

The references are independent of the code under test: ``model.generate``, a full forward
over the whole sequence, and eager attention's own ``output_attentions`` maps.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from scoutsim.oracle import generate, kvcache, selection  # noqa: E402

from .tiny import SHAPES, VOCAB, tiny_model  # noqa: E402


def _ids(shape_index: int, n: int) -> torch.Tensor:
    rng = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(shape_index, n)))
    return torch.tensor(rng.integers(2, VOCAB, size=(1, n)))


@pytest.mark.parametrize("shape", SHAPES)
def test_generation_from_unmodified_cache_equals_model_generate(shape):
    model = tiny_model(shape)
    model.generation_config.eos_token_id = None  # run the full length: more tokens compared
    ids = _ids(SHAPES.index(shape), 40)
    ref = model.generate(ids, do_sample=False, max_new_tokens=12, min_new_tokens=12, pad_token_id=0)
    cache, _ = generate.prefill(model, ids[:, :-1])
    ours = generate.greedy(model, cache, ids[:, -1:], max_new_tokens=12)
    assert ours == ref[0, ids.shape[1]:].tolist()


@pytest.mark.parametrize("shape", SHAPES)
def test_keep_everything_mask_reproduces_full_kv_logits(shape):
    model = tiny_model(shape)
    ids = _ids(SHAPES.index(shape), 33)
    with torch.no_grad():
        full = model(ids).logits[:, -1]  # one forward over the whole prompt
    cache, _ = generate.prefill(model, ids[:, :-1])
    keep = torch.ones(1, 32, dtype=torch.long)
    masked = generate.step(model, cache, ids[:, -1:], keep)
    assert torch.allclose(masked, full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
def test_mask_equals_removing_the_entries(shape):
    """Masking positions out must act exactly like never having sent their K/V."""
    model = tiny_model(shape)
    ids = _ids(SHAPES.index(shape), 30)
    cache, _ = generate.prefill(model, ids[:, :-1])
    kept = np.array([0, 1, 2, 5, 8, 13, 21, 22, 25, 28])
    keep = selection.keep_mask(29, (0, 29), kept)
    masked = generate.step(model, kvcache.clone(model, cache), ids[:, -1:], keep)
    # The reference: a cache holding only the kept entries, queried at the original position.
    pruned = kvcache.new_cache(model)
    idx = torch.tensor(kept)
    for i, (k, v) in enumerate(kvcache.layers(cache)):
        pruned.update(k[:, :, idx].clone(), v[:, :, idx].clone(), i)
    with torch.no_grad():
        out = model(input_ids=ids[:, -1:], position_ids=torch.tensor([[29]]),
                    **{kvcache.cache_kwarg(model): pruned}, use_cache=True).logits[:, -1]
    assert torch.allclose(masked, out, atol=1e-5, rtol=1e-5)
    # and it is not a no-op: the unmasked answer differs
    full = generate.step(model, kvcache.clone(model, cache), ids[:, -1:])
    assert not torch.allclose(full, out, atol=1e-3)


@pytest.mark.parametrize("shape", SHAPES)
def test_scores_match_eager_attention(shape):
    model = tiny_model(shape, attn="eager")
    n, question, window = 48, (36, 44), 8
    ids = _ids(SHAPES.index(shape), n)
    with torch.no_grad():
        attn = model(ids, output_attentions=True).attentions  # per layer (1, H, n, n)
    A = torch.stack([a[0] for a in attn]).double()  # (L, H, n, n)
    q2c_last = A[-1, :, question[0]:question[1], :].sum(dim=(0, 1))
    q2c_all = A[:, :, question[0]:question[1], :].sum(dim=(1, 2)).mean(0)
    snap_raw = A[:, :, n - window:, :].sum(dim=(0, 1, 2))
    h2o = A.sum(dim=(0, 1, 2))

    # a small chunk forces the chunked path to be exercised
    with selection.ScoreCollector(model, question, window=window, h2o=True, chunk=5) as col:
        generate.prefill(model, ids)
    assert torch.allclose(selection.reduce_scores(col, "q2c").double(), q2c_last, atol=1e-5)
    assert torch.allclose(selection.reduce_scores(col, "q2c_all").double(), q2c_all, atol=1e-5)
    assert torch.allclose(col.snapkv.sum(0).double(), snap_raw, atol=1e-5)
    assert torch.allclose(selection.reduce_scores(col, "h2o").double(), h2o, atol=1e-5)
    # each query row's attention sums to one, so H2O's total is layers x heads x rows
    assert float(h2o.sum()) == pytest.approx(A.shape[0] * A.shape[1] * n, rel=1e-6)


def test_scores_from_sdpa_prefill_match_eager_maps():
    """The hooks recompute scores themselves, so the prefill may use SDPA."""
    eager, sdpa = tiny_model("qwen2", attn="eager"), tiny_model("qwen2", attn="sdpa")
    ids = _ids(9, 40)
    with torch.no_grad():
        A = eager(ids, output_attentions=True).attentions[-1][0].double()
    with selection.ScoreCollector(sdpa, (30, 38), window=0, h2o=False) as col:
        generate.prefill(sdpa, ids)
    assert torch.allclose(col.q2c[-1].double(), A[:, 30:38].sum(dim=(0, 1)), atol=1e-5)


def test_select_keeps_top_context_positions_only():
    scores = torch.tensor([9.0, 9.0, 0.1, 0.5, 0.3, 0.9, 0.2, 9.0])
    # context = positions 2..6 (5 tokens), r = 0.4 -> round(2.0) = 2 kept: 5 (0.9), 3 (0.5)
    kept = selection.select(scores, (2, 7), 0.4, "q2c")
    assert kept.tolist() == [3, 5]
    mask = selection.keep_mask(8, (2, 7), kept)
    assert mask.tolist() == [[1, 1, 0, 1, 0, 1, 0, 1]]
    # retention 1 keeps all; a tiny retention keeps at least one
    assert selection.select(scores, (2, 7), 1.0, "h2o").tolist() == [2, 3, 4, 5, 6]
    assert selection.select(scores, (2, 7), 0.01, "h2o").tolist() == [5]


def test_random_selection_is_seeded():
    def draw(seed):
        return selection.select(None, (10, 110), 0.25, "random", np.random.default_rng(np.random.SeedSequence(seed)))
    a, b, c = draw(1), draw(1), draw(2)
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist()
    assert len(a) == 25 and len(set(a.tolist())) == 25 and a.min() >= 10 and a.max() < 110


def test_overlap_by_hand():
    assert selection.overlap(np.array([1, 2, 3, 4]), np.array([3, 4, 5, 6])) == 0.5


@pytest.mark.parametrize("shape", SHAPES)
def test_batched_rows_decode_as_they_would_alone(shape):
    """Every mode of a sample is decoded in one batch; each row must match its solo run."""
    from scoutsim.oracle import quant

    model = tiny_model(shape)
    model.generation_config.eos_token_id = None
    ids = _ids(SHAPES.index(shape), 36)
    cache, _ = generate.prefill(model, ids[:, :-1])
    quantized = kvcache.clone(model, cache)
    quant.quantize_cache(quantized, 3)
    keep = selection.keep_mask(35, (5, 30), np.arange(5, 30, 2))
    ones = torch.ones(1, 35, dtype=torch.long)
    rows = [(kvcache.clone(model, cache), ones), (quantized, ones), (kvcache.clone(model, cache), keep)]
    alone = [generate.greedy(model, kvcache.clone(model, c), ids[:, -1:], k, max_new_tokens=8) for c, k in rows]
    batch = generate.greedy_batch(model, kvcache.stack(model, [c for c, _ in rows]), ids[:, -1:],
                                  torch.cat([k for _, k in rows]), max_new_tokens=8)
    assert batch == alone
    assert alone[0] != alone[2] or alone[0] != alone[1]  # the modifications matter


def test_rows_stop_at_their_own_eos():
    model = tiny_model("qwen2")
    ids = _ids(3, 20)
    cache, _ = generate.prefill(model, ids[:, :-1])
    free = generate.greedy(model, kvcache.clone(model, cache), ids[:, -1:], max_new_tokens=6)
    # declare the third generated token an EOS: decoding must stop right after it
    stopped = generate.greedy(model, kvcache.clone(model, cache), ids[:, -1:], max_new_tokens=6, eos={free[2]})
    assert stopped == free[:free.index(free[2]) + 1]


def test_cache_files_get_the_permissions_the_umask_gives(tmp_path):
    # mkstemp's 0600 once made a cache unreadable to the others who share it.
    import os
    import stat

    from scoutsim.oracle.writer import atomic_write_bytes
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "meta.json", b"{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "meta.json").stat().st_mode) == 0o644
