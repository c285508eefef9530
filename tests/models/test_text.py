"""The tokenizer, the three bundled sentiment networks and what the text lesson reads from them."""

import json

import numpy as np
import pytest
import torch

from explainer.core.sequence import conv1d_causal, lstm_states, rnn_step
from explainer.data.text import OOV, PAD, Vocabulary, load_imdb, pad_batch, token_spans, tokenize
from explainer.models import load_model
from explainer.models.sentiment import encode_batch, predict_sentiment, predict_sentiments
from explainer.models.text import (
    TEXT_MODELS,
    TRAIN_LENGTH,
    load_text_models,
    load_vocabulary,
    nearest_words,
    read_text,
    rnn_weights,
)
from tests.conftest import REPO

# Sentences of our own (never in IMDB): what a student might type.
POSITIVE = ["I loved this film, the acting was brilliant.", "A wonderful, moving story. I would watch it again!",
            "Great cast, beautiful music and a clever script.", "One of the best movies I have seen this year."]
NEGATIVE = ["Boring, predictable and badly acted.", "This was a waste of time, the worst film I have seen.",
            "Awful script and terrible acting. Avoid it.", "I hated it; the plot made no sense at all."]


# -- tokenizer ---------------------------------------------------------------------------------------------


def test_tokenize_lowercases_strips_breaks_and_splits_punctuation():
    assert tokenize("Great<br /><br />FILM!!") == ["great", "film", "!", "!"]
    assert tokenize("It wasn't bad... 10/10") == ["it", "wasn't", "bad", ".", ".", ".", "10", "/", "10"]
    assert tokenize("Ce film était génial 😀") == ["ce", "film", "était", "génial", "😀"]
    assert tokenize("") == []


def test_token_spans_point_at_the_tokens():
    text = "Good<br />film, really GOOD!"
    spans = token_spans(text)
    assert [text[a:b].lower() for a, b in spans] == tokenize(text)


def test_vocabulary_round_trips_and_marks_unknown_words():
    vocabulary = Vocabulary.fit(["the cat sat", "the dog sat", "the cat ran"], size=3)
    assert vocabulary.words == ("<pad>", "<oov>", "the", "cat", "sat")
    ids = vocabulary.encode("The cat flew!")
    assert ids.tolist() == [2, 3, OOV, OOV]
    assert vocabulary.decode(ids) == ["the", "cat", "<oov>", "<oov>"]
    assert vocabulary.decode(vocabulary.encode("the cat sat")) == tokenize("the cat sat")
    assert vocabulary.encode("the cat sat the cat", max_len=2).tolist() == [2, 3]  # the end is kept
    again = Vocabulary.from_json(vocabulary.to_json())
    assert again == vocabulary
    with pytest.raises(ValueError, match="not a ConvLens vocabulary"):
        Vocabulary.from_json(json.dumps({"words": ["a"]}))


def test_pad_batch_pads_at_the_end():
    ids, lengths = pad_batch([np.array([5, 6, 7]), np.array([8])])
    assert ids.tolist() == [[5, 6, 7], [8, PAD, PAD]] and lengths.tolist() == [3, 1]


def test_bundled_vocabulary_is_ten_thousand_words_plus_two():
    vocabulary = load_vocabulary()
    assert len(vocabulary) == 10_002
    assert vocabulary.words[:2] == ("<pad>", "<oov>")
    assert vocabulary.words[2] == "the"  # the most frequent word of English reviews
    assert vocabulary.id("zzzqqqxx") == OOV


# -- the bundled networks ------------------------------------------------------------------------------------


def test_predict_sentiment_shape_and_range():
    texts = POSITIVE + NEGATIVE + ["", "😀😀", "zzzqqq xxyyww"]
    for name in TEXT_MODELS:
        p = predict_sentiment(texts, name)
        assert p.shape == (len(texts),) and p.dtype == np.float64
        assert np.all((p >= 0) & (p <= 1))
    assert predict_sentiment([], "imdb_cnn").shape == (0,)
    with pytest.raises(ValueError, match="unknown text model"):
        predict_sentiment(["fine"], "imdb_gru")
    with pytest.raises(ValueError, match="list of review strings"):
        predict_sentiment("a single string", "imdb_cnn")


def test_batches_of_similar_length_answer_as_each_review_read_alone():
    data = json.loads((REPO / "assets" / "samples" / "imdb_heldout.json").read_text(encoding="utf-8"))
    texts = [r["text"] for r in data["reviews"][:40]] + ["", "fine"]
    lengths = {len(t.split()) for t in texts}
    assert len(lengths) > 20  # reviews of many lengths, so the batches are reordered and padded differently
    together = predict_sentiments(texts, TEXT_MODELS, batch_size=8)
    for name in TEXT_MODELS:
        alone = np.array([predict_sentiment([text], name)[0] for text in texts])
        np.testing.assert_allclose(together[name], alone, atol=1e-5)
    assert predict_sentiments([], ["imdb_rnn"])["imdb_rnn"].shape == (0,)
    with pytest.raises(ValueError, match="unknown text model"):
        predict_sentiments(["fine"], ["imdb_cnn", "imdb_gru"])


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_each_network_reads_our_own_sentences_right(name):
    p = predict_sentiment(POSITIVE + NEGATIVE, name)
    assert np.all(p[: len(POSITIVE)] > 0.5), p[: len(POSITIVE)].round(3)
    assert np.all(p[len(POSITIVE) :] < 0.5), p[len(POSITIVE) :].round(3)


def test_the_embedding_holds_most_of_the_weights():
    for name in TEXT_MODELS:
        model = load_model(name)
        total = sum(p.numel() for p in model.parameters())
        assert model.embedding.weight.numel() / total > 0.9


def test_bundled_heldout_reviews_are_balanced_and_from_training_data():
    data = json.loads((REPO / "assets" / "samples" / "imdb_heldout.json").read_text(encoding="utf-8"))
    labels = [r["label"] for r in data["reviews"]]
    assert len(labels) == 100 and sum(labels) == 50


def test_test_set_floor(shared_data):
    texts, labels = load_imdb("test", shared_data / "imdb" / "aclImdb_labeled_50k.jsonl.gz")
    assert len(texts) == 25_000
    accuracies = {name: float(np.mean((p > 0.5) == labels)) for name, p in predict_sentiments(texts).items()}
    assert set(accuracies) == set(TEXT_MODELS)
    assert max(accuracies.values()) >= 0.86, accuracies
    assert min(accuracies.values()) >= 0.75, accuracies


# -- what the lesson reads -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle():
    torch.set_num_threads(1)
    return load_text_models()


REVIEW = ("The first half drags and the dialogue is clumsy, but the last hour is wonderful: "
          "brilliant acting, a moving score and an ending I did not expect. Recommended!")


def test_rnn_step_numbers_equal_the_torch_layer(bundle):
    reading = read_text(REVIEW, bundle["models"], bundle["vocabulary"])
    rnn = reading.readings["imdb_rnn"]
    w, u, b = rnn_weights(bundle["models"]["imdb_rnn"])
    h = np.zeros(u.shape[0])
    for t, x in enumerate(rnn.embeddings):
        step = rnn_step(x, h, w, u, b)
        np.testing.assert_allclose(step.h, rnn.states[t], atol=1e-5)
        h = step.h
    assert len(rnn.embeddings) == len(reading.tokens) > 20


def test_cnn_position_activations_equal_conv1d(bundle):
    reading = read_text(REVIEW, bundle["models"], bundle["vocabulary"])
    cnn_model, cnn = bundle["models"]["imdb_cnn"], reading.readings["imdb_cnn"]
    expected = np.maximum(conv1d_causal(cnn.embeddings.T, cnn_model.conv.weight.detach().double().numpy(),
                                        cnn_model.conv.bias.detach().double().numpy()), 0.0)
    np.testing.assert_allclose(cnn.activations, expected, atol=1e-5)
    assert cnn.winners.tolist() == cnn.activations.argmax(axis=1).tolist()


def test_lstm_gates_equal_the_step_by_step_loop(bundle):
    reading = read_text(REVIEW, bundle["models"], bundle["vocabulary"])
    lstm, layer = reading.readings["imdb_lstm"], bundle["models"]["imdb_lstm"].rnn
    b = (layer.bias_ih_l0 + layer.bias_hh_l0).detach().double().numpy()
    loop = lstm_states(lstm.embeddings, layer.weight_ih_l0.detach().double().numpy(),
                       layer.weight_hh_l0.detach().double().numpy(), b)
    for gate in "ifgoc":
        np.testing.assert_allclose(lstm.gates[gate], getattr(loop, gate), atol=1e-5)
    np.testing.assert_allclose(lstm.states, loop.h, atol=1e-5)


def test_running_probability_is_the_model_on_each_prefix(bundle):
    reading = read_text(REVIEW, bundle["models"], bundle["vocabulary"])
    ids = reading.ids
    for name, model in bundle["models"].items():
        run = reading.readings[name]
        with torch.no_grad():
            for t in (0, 5, len(ids) // 2, len(ids) - 1):
                prefix = torch.from_numpy(ids[: t + 1])[None]
                assert run.running[t] == pytest.approx(float(torch.sigmoid(model(prefix))), abs=1e-5)
        assert run.probability == pytest.approx(predict_sentiment([REVIEW], name)[0], abs=1e-5)
        np.testing.assert_allclose(np.cumsum(run.moves) + run.start, run.running, atol=1e-12)


def test_reading_empty_unknown_and_very_long_text(bundle):
    empty = read_text("", bundle["models"], bundle["vocabulary"])
    assert empty.tokens == [] and empty.readings["imdb_cnn"].running.shape == (0,)
    unknown = read_text("zzqx vvqq", bundle["models"], bundle["vocabulary"])
    assert unknown.oov.tolist() == [True, True]
    long = read_text("good " * 100_000, bundle["models"], bundle["vocabulary"])
    assert len(long.tokens) == TRAIN_LENGTH and long.dropped == 100_000 - TRAIN_LENGTH


def test_nearest_words_by_cosine(bundle):
    vocabulary, model = bundle["vocabulary"], bundle["models"]["imdb_cnn"]
    near = nearest_words(model, vocabulary.id("excellent"), 5)
    assert len(near) == 5 and all(-1 <= s <= 1 for _, s in near)
    assert [s for _, s in near] == sorted((s for _, s in near), reverse=True)
    assert vocabulary.id("excellent") not in [i for i, _ in near]


def test_encode_batch_never_gives_an_empty_row(bundle):
    ids, lengths = encode_batch(["", "good film"], bundle["vocabulary"])
    assert lengths.tolist() == [1, 2] and ids.shape == (2, 2)


def test_the_cnn_embedding_learned_sentiment_neighbours(bundle):
    """Trained embeddings, not their random start: a word's neighbours share its sentiment."""
    vocabulary, model = bundle["vocabulary"], bundle["models"]["imdb_cnn"]
    positive = {"brilliant", "perfect", "wonderful", "superb", "outstanding", "excellently", "extraordinary",
                "great", "amazing", "fantastic", "beautiful", "best", "enjoy", "underrated", "terrific"}
    negative = {"tedious", "dull", "unwatchable", "poorly", "pathetic", "terrible", "worst", "boring", "waste",
                "horrible", "bad", "lame", "badly", "stupid", "awful", "mess", "poor", "laughable"}
    for word, same, other in (("excellent", positive, negative), ("awful", negative, positive)):
        near = {vocabulary.words[i] for i, _ in nearest_words(model, vocabulary.id(word), 10)}
        assert len(near & same) >= 3 and not near & other, (word, sorted(near))
    # The start was uniform in ±0.05 (mean |w| 0.025): the rows of common words grew well beyond it.
    table = model.embedding.weight.detach()
    assert float(table[2:1002].abs().mean()) > 1.4 * 0.025
