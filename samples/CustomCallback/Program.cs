using Samples.CustomCallback;

var result = Sample.Run();
Console.WriteLine($"{result.Steps} steps: {result.StopReason}");
