#!/usr/bin/python3
"""Writes the tiny RoBERTa folder the HfPyTorchBinTests read, with real PyTorch (Debian's python3-torch 1.13).

Run once by hand (CI never runs it; its outputs are committed next to it):
    apt-get install -y python3-torch && /usr/bin/python3 tests/Flint.Tests/TestData/roberta-tiny/make_fixture.py

It writes, in exactly HuggingFace's RobertaForMaskedLM layout:
  config.json, vocab.json, merges.txt      a 2-layer, width-16 RoBERTa with a byte-level BPE vocabulary of 271 tokens
  pytorch_model.bin                         torch.save(state_dict): roberta.* body, lm_head.* (decoder tied to the word
                                            embeddings and lm_head.bias, sharing storage as HF's file does), position_ids
  model.safetensors                         the same tensors without the tied copies (as save_pretrained writes them)
  expected.safetensors                      a padded batch and RoBERTa's forward on it, computed here in PyTorch
                                            following HF's modeling_roberta (position ids from create_position_ids_from_input_ids)
"""
import json, math, os, struct
import torch

OUT = os.path.dirname(os.path.abspath(__file__))
WIDTH, LAYERS, HEADS, FFN, CONTEXT, PAD, EPS = 16, 2, 4, 32, 16, 1, 1e-5
MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("Ġ", "a"), ("i", "n"), ("Ġ", "s"), ("e", "r"), ("o", "n"), ("r", "e"), ("Ġ", "w")]


def bytes_to_unicode():  # GPT-2's byte-to-character table
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def vocabulary():
    tokens = ["<s>", "<pad>", "</s>", "<unk>"] + [bytes_to_unicode()[b] for b in range(256)] + [a + b for a, b in MERGES] + ["<mask>"]
    return {t: i for i, t in enumerate(tokens)}


def state_dict(vocab_size, positions):
    g = torch.Generator().manual_seed(14)
    def rand(*shape):
        return torch.randn(*shape, generator=g) * 0.1
    def norm():
        return 1 + rand(WIDTH), rand(WIDTH)
    sd = {"roberta.embeddings.position_ids": torch.arange(positions).unsqueeze(0)}
    sd["roberta.embeddings.word_embeddings.weight"] = rand(vocab_size, WIDTH)
    sd["roberta.embeddings.position_embeddings.weight"] = rand(positions, WIDTH)
    sd["roberta.embeddings.token_type_embeddings.weight"] = rand(1, WIDTH)
    sd["roberta.embeddings.LayerNorm.weight"], sd["roberta.embeddings.LayerNorm.bias"] = norm()
    for i in range(LAYERS):
        p = f"roberta.encoder.layer.{i}."
        for name, (out, inp) in {"attention.self.query": (WIDTH, WIDTH), "attention.self.key": (WIDTH, WIDTH), "attention.self.value": (WIDTH, WIDTH),
                                 "attention.output.dense": (WIDTH, WIDTH), "intermediate.dense": (FFN, WIDTH), "output.dense": (WIDTH, FFN)}.items():
            sd[p + name + ".weight"], sd[p + name + ".bias"] = rand(out, inp), rand(out)
        sd[p + "attention.output.LayerNorm.weight"], sd[p + "attention.output.LayerNorm.bias"] = norm()
        sd[p + "output.LayerNorm.weight"], sd[p + "output.LayerNorm.bias"] = norm()
    sd["lm_head.bias"] = rand(vocab_size)
    sd["lm_head.dense.weight"], sd["lm_head.dense.bias"] = rand(WIDTH, WIDTH), rand(WIDTH)
    sd["lm_head.layer_norm.weight"], sd["lm_head.layer_norm.bias"] = norm()
    sd["lm_head.decoder.weight"] = sd["roberta.embeddings.word_embeddings.weight"]  # tied: one storage in the .bin
    sd["lm_head.decoder.bias"] = sd["lm_head.bias"]
    return sd


def roberta_forward(sd, ids, mask):
    """HF's RobertaForMaskedLM in eval mode, written out: returns (last hidden state, MLM logits)."""
    F = torch.nn.functional
    w = lambda n: sd["roberta." + n]
    positions = (torch.cumsum(ids.ne(PAD).int(), dim=1) * ids.ne(PAD).int()).long() + PAD  # create_position_ids_from_input_ids
    x = w("embeddings.word_embeddings.weight")[ids] + w("embeddings.token_type_embeddings.weight")[torch.zeros_like(ids)] + w("embeddings.position_embeddings.weight")[positions]
    x = F.layer_norm(x, (WIDTH,), w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"), EPS)
    b, t = ids.shape
    hs = WIDTH // HEADS
    extended = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        lin = lambda n, v: F.linear(v, w(p + n + ".weight"), w(p + n + ".bias"))
        heads = lambda v: v.view(b, t, HEADS, hs).transpose(1, 2)
        q, k, v = heads(lin("attention.self.query", x)), heads(lin("attention.self.key", x)), heads(lin("attention.self.value", x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hs) + extended
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, WIDTH)
        x = F.layer_norm(lin("attention.output.dense", context) + x, (WIDTH,), w(p + "attention.output.LayerNorm.weight"), w(p + "attention.output.LayerNorm.bias"), EPS)
        hidden = F.gelu(lin("intermediate.dense", x))
        x = F.layer_norm(lin("output.dense", hidden) + x, (WIDTH,), w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias"), EPS)
    h = F.layer_norm(F.gelu(F.linear(x, sd["lm_head.dense.weight"], sd["lm_head.dense.bias"])), (WIDTH,), sd["lm_head.layer_norm.weight"], sd["lm_head.layer_norm.bias"], EPS)
    return x, F.linear(h, sd["lm_head.decoder.weight"], sd["lm_head.bias"])


def write_safetensors(path, tensors):
    """The safetensors format by hand (8-byte little-endian header length, JSON header padded to 8 bytes, raw data)."""
    names = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    vocab = vocabulary()
    positions = CONTEXT + PAD + 1
    config = {"architectures": ["RobertaForMaskedLM"], "model_type": "roberta", "vocab_size": len(vocab), "hidden_size": WIDTH,
              "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": FFN, "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "max_position_embeddings": positions, "type_vocab_size": 1,
              "initializer_range": 0.02, "layer_norm_eps": EPS, "pad_token_id": PAD, "bos_token_id": 0, "eos_token_id": 2,
              "position_embedding_type": "absolute", "torch_dtype": "float32"}
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(OUT, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(OUT, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in MERGES))
    sd = state_dict(len(vocab), positions)
    torch.save(sd, os.path.join(OUT, "pytorch_model.bin"))
    write_safetensors(os.path.join(OUT, "model.safetensors"), {k: v for k, v in sd.items() if not k.startswith("lm_head.decoder.")})
    g = torch.Generator().manual_seed(3)
    ids = torch.full((3, 12), PAD, dtype=torch.long)
    for row, length in enumerate([12, 7, 3]):  # <s> … </s>, then padding
        ids[row, :length] = torch.randint(4, len(vocab), (length,), generator=g)
        ids[row, 0], ids[row, length - 1] = 0, 2
    mask = ids.ne(PAD).long()
    with torch.no_grad():
        hidden, logits = roberta_forward(sd, ids, mask)
    write_safetensors(os.path.join(OUT, "expected.safetensors"), {"input_ids": ids, "attention_mask": mask, "last_hidden_state": hidden, "logits": logits})
    print(f"wrote {OUT}: torch {torch.__version__}, vocab {len(vocab)}, hidden {tuple(hidden.shape)}")


if __name__ == "__main__":
    main()
