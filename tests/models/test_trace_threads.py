"""Tracing is safe under concurrency: two threads tracing one model each get their own layers."""

import threading

import torch

from explainer.models import DigitCNN, stages, trace


def test_two_threads_tracing_one_model_never_mix_layers():
    torch.manual_seed(0)
    model = DigitCNN(conv1=4, conv2=8, hidden=16).eval()
    # Two different digits: a record from the other thread shows as an extra record or other values.
    inputs = {"a": torch.rand(1, 1, 28, 28), "b": torch.zeros(1, 1, 28, 28)}
    expected = {key: [r.output for r in trace(model, x)[0]] for key, x in inputs.items()}
    assert len(expected["a"]) == len(expected["b"]) > 5
    wrong, done = [], []
    start = threading.Barrier(2)

    def work(key):
        start.wait()
        for _ in range(300):
            records, _ = trace(model, inputs[key])
            if len(records) != len(expected[key]) or not all(
                    torch.equal(r.output, e) for r, e in zip(records, expected[key])):
                wrong.append(key)
            done.append(key)

    threads = [threading.Thread(target=work, args=(key,)) for key in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(done) == 600
    assert wrong == []
    assert all(not m._forward_hooks for m in model.modules()), "trace left hooks on the model"


def test_trace_leaves_no_hooks_and_shares_weights():
    model = DigitCNN(conv1=4, conv2=8, hidden=16).eval()
    layer_stages, _ = stages(model, torch.rand(1, 1, 28, 28))
    conv1 = next(s for s in layer_stages if s.key == "conv1")
    weights = {id(p) for p in model.parameters()}
    assert id(conv1.module.weight) in weights
    assert not any(m._forward_hooks for m in model.modules())
