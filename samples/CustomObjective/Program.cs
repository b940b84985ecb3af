using Samples.CustomObjective;

var result = Sample.Run();
foreach (var name in new[] { "train/lm_loss", "train/detection_loss" })
    Console.WriteLine($"{name}: {result.Series(name)[0].Value:F3} -> {result.Series(name)[^1].Value:F3}");
