using Flint.Logging;
using Flint.Metrics;
using Flint.Training;
using Flint.Training.Callbacks;
using Flint.Training.Events;                 // EventFilter and the events' payloads
using TorchSharp.Modules;
using static TorchSharp.torch;
using Spirals = Samples.CustomModule.Spirals; // toy data: two interleaved spirals

var (train, validation) = (Spirals.Batches(20, 64, seed: 1), Spirals.Batches(4, 64, seed: 2));
using var trainer = new Trainer(
    new TrainerOptions { MaxEpochs = 30, GradientClipNorm = 1.0, LogEveryNSteps = 20 },
    [new EarlyStopping("val/loss", patience: 5), new LearningRateMonitor(), new GradientNormMonitor()],
    [new CsvSink("runs/spiral/metrics.csv"), new TensorBoardSink("runs/spiral/tb")]);
trainer.Events.ValidationEnded.Subscribe((e, ctx) =>
{
    if (e.Metrics["val/accuracy"] > 0.99) ctx.Control.RequestStop("99% validation accuracy");   // callbacks request, the loop decides
}, filter: EventFilter.When(step => step > 0));                                                // not the sanity check at step 0
var result = trainer.Fit(new SpiralClassifier(), train, validation);
Console.WriteLine(trainer.DescribeLoop());   // every event, in firing order, with its handlers

public sealed class SpiralClassifier : FlintModule<(Tensor X, Tensor Y)>
{
    readonly Sequential net;
    readonly Accuracy _accuracy = new();

    public SpiralClassifier() : base("spiral")
    {
        net = nn.Sequential(nn.Linear(2, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 2));
        RegisterComponents();
    }

    // A loss is a sum and a count: accumulation and averaging are exact, whatever the batch sizes or padding.
    public override StepOutput TrainingStep((Tensor X, Tensor Y) batch, LoopContext ctx) =>
        StepOutput.Sum(nn.functional.cross_entropy(net.call(batch.X), batch.Y, reduction: nn.Reduction.Sum), batch.Y.shape[0], batch.Y.shape[0]);

    public override StepOutput ValidationStep((Tensor X, Tensor Y) batch, LoopContext ctx)
    {
        _accuracy.Update(net.call(batch.X), batch.Y);          // accumulates on the device, no sync
        ctx.Log.Log("val/accuracy", _accuracy);                // computed once, at the end of validation
        return TrainingStep(batch, ctx);
    }
}
