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


def test_a_reused_twin_follows_replaced_layers_weights_and_modes():
    """Twins are kept between traces; a changed model must never be traced through a stale one."""
    torch.manual_seed(0)
    model = DigitCNN(conv1=4, conv2=8, hidden=16).eval()
    x = torch.rand(1, 1, 28, 28)
    first = trace(model, x)[1]
    assert torch.equal(trace(model, x)[1], first)  # a spare twin, same answer

    head = model.classifier
    with torch.no_grad():  # weights changed in place: seen through the shared parameters
        head[-1].bias += 1.0
    assert torch.allclose(trace(model, x)[1], first + 1.0)

    head[-1] = torch.nn.Linear(16, 3)  # a layer replaced (transfer learning): a new twin
    records, logits = trace(model, x)
    assert logits.shape == (1, 3)
    assert records[-1].module.weight is head[-1].weight

    head[-1].weight = torch.nn.Parameter(torch.zeros(3, 16))  # a parameter replaced
    assert torch.equal(trace(model, x)[1], head[-1].bias.detach()[None])

    model.train()  # dropout is active in the twin too: traces differ from one another
    def dense_input():  # what the first dense layer reads, after dropout
        return next(r.input for r in trace(model, x)[0] if isinstance(r.module, torch.nn.Linear))

    outputs = [dense_input() for _ in range(6)]
    assert not all(torch.equal(outputs[0], o) for o in outputs[1:])
    model.eval()
    assert torch.equal(dense_input(), dense_input())


def test_a_layer_replaced_at_a_reused_address_or_changed_in_place_is_traced_as_it_is_now():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten()).eval()
    x = torch.randn(1, 1, 7, 7)
    for round_ in range(30):  # the old layer is dropped first, so the new one may get its address
        model[1] = None
        model[1] = torch.nn.Tanh() if round_ % 2 else torch.nn.ReLU()
        records, _ = trace(model, x)
        assert type(records[1].module) is type(model[1]), round_
    model[0].stride = (2, 2)  # a setting changed in place
    assert trace(model, x)[0][0].output.shape == model[0](x).shape == (1, 2, 3, 3)
    model[2].register_forward_hook(lambda module, inputs, output: output * 0)  # a hook added after tracing
    assert torch.count_nonzero(trace(model, x)[1]) == 0


def test_calling_a_traced_layer_in_another_thread_never_adds_to_a_trace():
    torch.manual_seed(1)
    model = DigitCNN(conv1=4, conv2=8, hidden=16).eval()
    x = torch.rand(1, 1, 28, 28)
    count = len(trace(model, x)[0])
    conv = next(r.module for r in trace(model, x)[0] if isinstance(r.module, torch.nn.Conv2d))
    stop, wrong, errors = threading.Event(), [], []

    def call_the_layer():
        try:
            while not stop.is_set():
                conv(x)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    caller = threading.Thread(target=call_the_layer)
    caller.start()
    try:
        for _ in range(300):
            records = trace(model, x)[0]
            if len(records) != count:
                wrong.append(len(records))
    finally:
        stop.set()
        caller.join(10)
    assert wrong == [] and errors == []
