using MyIdea;

var result = Experiment.Run();
Console.WriteLine($"{result.Steps} steps ({result.StopReason}); val/accuracy = {result.LastValidation["val/accuracy"]:P1}");
