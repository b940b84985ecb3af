using Samples.NewObjective;

var result = Sample.Run(args.Length > 0 ? args[0] : "runs", steps: args.Length > 1 ? long.Parse(args[1]) : 150);
foreach (var name in new[] { "train/lm", "train/detect", "train/detect_acc" })
    Console.WriteLine($"{name}: {result.Pretrain.Series(name)[0].Value:F3} -> {result.Pretrain.Series(name)[^1].Value:F3}");
Console.WriteLine($"val/detect_acc {result.Pretrain.LastValidation["val/detect_acc"]:P1}; fine-tuned val/accuracy {result.Finetune.LastValidation["val/accuracy"]:P1}");
Console.WriteLine($"Runs: {result.PretrainRun}, {result.FinetuneRun}; report: {result.Report} ('flint runs --runs {Path.GetDirectoryName(result.PretrainRun)}' lists them)");
