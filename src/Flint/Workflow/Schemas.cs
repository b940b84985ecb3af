using Flint.Config;

namespace Flint.Workflow;

/// <summary>The configuration keys of each command. One place, so <c>--help</c>, YAML files and validation agree.</summary>
public static class Schemas
{
    static readonly string[] Devices = ["cpu", "cuda", "auto", "cuda:"];

    static IEnumerable<ConfigKey> Common =>
    [
        new("data", "string", "", "Input data: corpus files/folders (comma-separated) or a tokenized dataset for pretraining; a labelled file/folder for fine-tuning."),
        new("out", "string", "", "Run folder to create or resume (default: runs/KIND-TIMESTAMP)."),
        new("seed", "int", "0", "Seed for initialisation, data order and splits."),
        new("resume", "string", "", "Continue from 'last' (newest valid checkpoint of --out) or a checkpoint folder."),
        new("allow_config_change", "bool", "false", "Resume even though settings that exactness depends on changed."),
        new("device", "string", "cpu", "cpu, cuda, cuda:N or auto.", Devices),
        new("threads", "int", "", "libtorch threads (default: one per core).", Min: 1),
        new("trainer.max_steps", "int", "", "Optimizer steps (default: pretrain picks a budget that fits the machine).", Min: 1),
        new("trainer.max_epochs", "int", "", "Epochs.", Min: 1),
        new("trainer.max_minutes", "float", "", "Wall-time budget in minutes.", Min: 0.01),
        new("trainer.accumulate", "int", "1", "Micro-batches per optimizer step.", Min: 1),
        new("trainer.clip", "float", "1.0", "Gradient-norm clipping (0 turns it off).", Min: 0),
        new("trainer.log_every", "int", "25", "Flush logs every N steps.", Min: 1),
        new("trainer.val_every", "int", "", "Validate every N steps (default: each epoch, and at the end).", Min: 1),
        new("trainer.limit_val_batches", "int", "50", "Validation batches per validation run.", Min: 1),
        new("trainer.progress", "bool", "true", "Show progress."),
        new("optimizer.lr", "float", "", "Peak learning rate (default depends on the command).", Min: 0),
        new("optimizer.weight_decay", "float", "0.1", "AdamW weight decay on weight matrices (never biases, norms, embeddings).", Min: 0),
        new("optimizer.warmup", "float", "0.05", "Fraction of steps spent warming up.", Min: 0),
        new("optimizer.min_lr_ratio", "float", "0.1", "Cosine decay floor as a fraction of the peak LR.", Min: 0),
        new("optimizer.beta2", "float", "0.99", "Adam's beta2.", Min: 0),
        new("checkpoint.every_steps", "int", "100", "Save checkpoints/last every N steps.", Min: 1),
        new("checkpoint.top_k", "int", "1", "Keep the best K checkpoints by the validation metric.", Min: 1),
    ];

    /// <summary><c>flint pretrain</c>.</summary>
    public static ConfigSchema Pretrain { get; } = new(Common.Concat(
    [
        new ConfigKey("objective", "string", "clm", "Self-supervised objective: clm (next token), mlm (masked tokens), electra (replaced-token detection).", ["clm", "mlm", "electra"]),
        new("tokenizer", "string", "auto", "auto (trains a 4,096-token byte-level BPE; char for char-small), gpt2, char, bpe:DIR, wordpiece:VOCAB, train-bpe:N."),
        new("model.preset", "string", "small", "Model size: nano, char-small, small, tutorial-50m, gpt2-124m (decoders; encoders for mlm/electra use the same size)."),
        new("model.dropout", "float", "0.0", "Dropout.", Min: 0),
        new("data.batch_size", "int", "16", "Sequences per micro-batch.", Min: 1),
        new("data.context", "int", "", "Tokens per sequence (default: the preset's context).", Min: 2),
        new("data.val_fraction", "float", "0.05", "Fraction held out for validation: whole documents, or the last part of each document when there are too few documents.", Min: 0),
        new("data.text_field", "string", "text", "JSONL field holding the text."),
        new("trainer.auto_minutes", "float", "5", "With no step, epoch or time budget: aim for this many minutes.", Min: 0.01),
    ]));

    /// <summary><c>flint finetune</c>.</summary>
    public static ConfigSchema Finetune { get; } = new(Common.Concat(
    [
        new ConfigKey("from", "string", "", "A pretraining run folder, a checkpoint folder, a HuggingFace GPT-2/BERT folder, or 'scratch'."),
        new("architecture_of", "string", "", "With --from scratch: copy the model preset and tokenizer of this run (the control experiment)."),
        new("tokenizer", "string", "", "Tokenizer (default: the pretrained run's; with --from scratch and no run: gpt2)."),
        new("model.preset", "string", "small", "With --from scratch and no --architecture-of: the model size."),
        new("model.dropout", "float", "0.1", "Dropout during fine-tuning.", Min: 0),
        new("finetune.method", "string", "full", "full, adapters, lora, frozen or gradual.", ["full", "adapters", "lora", "frozen", "gradual"]),
        new("finetune.pooling", "string", "", "last, first or mean (default: last for decoders, first for encoders).", ["", "last", "first", "mean"]),
        new("finetune.lm_coef", "float", "0.0", "Weight of the auxiliary LM loss (decoders).", Min: 0),
        new("finetune.lora_rank", "int", "8", "LoRA rank.", Min: 1),
        new("finetune.adapter_size", "int", "64", "Adapter bottleneck.", Min: 1),
        new("finetune.discriminative_factor", "float", "1.0", "LR divisor per layer group below the top (ULMFiT: 2.6).", Min: 1),
        new("data.text_column", "string", "text", "Text column/field of TSV, CSV or JSONL data."),
        new("data.label_column", "string", "label", "Label column/field."),
        new("data.val_fraction", "float", "0.1", "Fraction for validation (stratified).", Min: 0),
        new("data.test_fraction", "float", "0.1", "Fraction for test (stratified).", Min: 0),
        new("data.batch_size", "int", "32", "Examples per batch.", Min: 1),
        new("data.max_length", "int", "64", "Tokens per example (longer texts are cut).", Min: 2),
    ]));

    /// <summary><c>flint demo</c>.</summary>
    public static ConfigSchema Demo { get; } = new(
    [
        new ConfigKey("out", "string", "runs", "Runs root for the demo's three runs."),
        new("minutes", "float", "7", "Time budget: pretraining gets 40%; the two fine-tuning runs get round(2 × minutes / 7) epochs each.", Min: 1),
        new("seed", "int", "0", "Seed."),
        new("device", "string", "cpu", "cpu, cuda, cuda:N or auto.", Devices),
        new("progress", "bool", "true", "Show progress."),
    ]);
}
