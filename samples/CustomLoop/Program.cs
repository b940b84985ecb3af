using Samples.CustomLoop;

foreach (var record in Sample.Run().Where(r => r.Name == "train/mse"))
    Console.WriteLine($"step {record.Step,4}: mse {record.Value:F5}");
