"""INTk symmetric absmax: values worked out by hand, and the error bound from theory."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from scoutsim.errors import UserError  # noqa: E402
from scoutsim.oracle import quant  # noqa: E402
from .tiny import torch_generator, tiny_model  # noqa: E402


def test_int4_per_token_by_hand():
    # qmax = 2^3 - 1 = 7, scale = max|x| / 7 = 4/7.
    # x / scale = [1.75, -4.375, 0.875, 7] -> round -> [2, -4, 1, 7]
    # x' = q * 4/7 = [8/7, -16/7, 4/7, 4]
    x = torch.tensor([[1.0, -2.5, 0.5, 4.0]])
    q, scale = quant.quantize(x, 4, "per_token")
    assert q.tolist() == [[2, -4, 1, 7]]
    assert scale.item() == pytest.approx(4 / 7)
    assert quant.dequantize(q, scale)[0].tolist() == pytest.approx([8 / 7, -16 / 7, 4 / 7, 4.0])


def test_int2_keeps_only_sign_and_zero():
    # k = 2: qmax = 1, scale = max|x|; anything below half the max rounds to 0.
    x = torch.tensor([[0.3, -0.6, 1.0, -0.49]])
    assert quant.fake_quantize(x, 2)[0].tolist() == pytest.approx([0.0, -1.0, 1.0, 0.0])


def test_int8_is_exact_on_small_integers():
    # max |x| = 127 gives scale 1, so every integer in [-127, 127] is represented exactly.
    x = torch.arange(-127, 128, dtype=torch.float32).reshape(1, -1)
    assert torch.equal(quant.fake_quantize(x, 8), x)


def test_per_channel_uses_one_scale_per_column():
    # (tokens, channels) = (2, 2); column maxima 4 and 1 -> scales 4/7 and 1/7 at INT4.
    x = torch.tensor([[4.0, 0.6], [-1.0, 1.0]])
    q, scale = quant.quantize(x, 4, "per_channel")
    assert scale.flatten().tolist() == pytest.approx([4 / 7, 1 / 7])
    # -1 / (4/7) = -1.75 -> -2 ; 0.6 / (1/7) = 4.2 -> 4
    assert q.tolist() == [[7, 4], [-2, 7]]


def test_zero_group_stays_zero():
    x = torch.zeros(2, 3, 5, 8)
    assert torch.equal(quant.fake_quantize(x, 3), x)


@pytest.mark.parametrize("bits", [2, 3, 4, 5, 6, 7, 8])
@pytest.mark.parametrize("granularity,axis", [("per_token", -1), ("per_channel", -2)])
def test_error_bound_half_a_step(bits, granularity, axis):
    # Round to nearest: every element is within scale/2 = max|x| / (2 (2^(k-1) - 1)) of x.
    x = torch.randn(2, 3, 17, 16, generator=torch_generator(bits, -axis)) * 3
    err = (quant.fake_quantize(x, bits, granularity) - x).abs()
    bound = x.abs().amax(dim=axis, keepdim=True) / (2 * (2 ** (bits - 1) - 1))
    assert bool((err <= bound * (1 + 1e-6) + 1e-7).all())
    # The group maximum is exact.
    idx = x.abs().argmax(dim=axis, keepdim=True)
    assert torch.allclose(torch.gather(quant.fake_quantize(x, bits, granularity), axis, idx),
                          torch.gather(x, axis, idx))


def test_bits_out_of_range_is_a_user_error():
    with pytest.raises(UserError, match="2 <= k <= 8"):
        quant.quantize(torch.ones(1, 4), 9)
    with pytest.raises(UserError, match="granularity"):
        quant.quantize(torch.ones(1, 4), 4, "per_head")


def test_protected_layer_left_untouched_and_others_changed():
    from scoutsim.oracle import generate, kvcache

    model = tiny_model("qwen2")
    ids = torch.arange(2, 30).unsqueeze(0)
    cache, _ = generate.prefill(model, ids)
    before = [(k.clone(), v.clone()) for k, v in kvcache.layers(cache)]
    quant.quantize_cache(cache, 3, protected=(1,))
    after = kvcache.layers(cache)
    assert torch.equal(after[1][0], before[1][0]) and torch.equal(after[1][1], before[1][1])
    for i in (0, 2):
        assert not torch.equal(after[i][0], before[i][0])
        assert torch.equal(after[i][0], quant.fake_quantize(before[i][0], 3))


def test_bottleneck_diagnostic_finds_the_only_layer_quantization_can_hurt():
    """Zero the K and V projections of layers 0 and 2: their caches are all zeros, which
    INTk represents exactly (scale 0), so quantizing either alone changes nothing (KL = 0)
    and the diagnostic must single out layer 1, whose KV is not zero."""
    from scoutsim.oracle import generate, kvcache

    model = tiny_model("llama", key=3)
    with torch.no_grad():
        for layer in (0, 2):
            attn = model.model.layers[layer].self_attn
            attn.k_proj.weight.zero_()
            attn.v_proj.weight.zero_()
    prefixes = []
    for seed in range(2):
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        ids = torch.tensor(rng.integers(2, 500, size=(1, 40)))
        base = generate.prefill(model, ids[:, :-1])[0]
        prefixes.append((lambda base=base: kvcache.clone(model, base), ids[:, -1:]))
    protected, kl = quant.bottleneck_layers(model, prefixes, bits=4, top=1)
    assert protected == (1,)
    assert kl[0] == pytest.approx(0.0, abs=1e-7) and kl[2] == pytest.approx(0.0, abs=1e-7)
    assert kl[1] > 1e-4


def test_key_channel_quantizes_keys_per_channel_and_values_per_token():
    """int<k>c (KIVI): keys get one scale per (head, channel) over tokens, values one per token."""
    from scoutsim.oracle import generate, kvcache

    model = tiny_model("qwen2")
    cache, _ = generate.prefill(model, torch.arange(2, 30).unsqueeze(0))
    before = [(k.clone(), v.clone()) for k, v in kvcache.layers(cache)]
    quant.quantize_cache(cache, 4, key_granularity="per_channel")
    for (k0, v0), (k1, v1) in zip(before, kvcache.layers(cache)):
        assert torch.equal(k1, quant.fake_quantize(k0, 4, "per_channel"))
        assert torch.equal(v1, quant.fake_quantize(v0, 4, "per_token"))
        assert not torch.equal(k1, quant.fake_quantize(k0, 4, "per_token"))
