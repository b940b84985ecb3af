using System.Globalization;
using System.Text.Json;
using Flint.Logging;
using Flint.Training;

namespace Flint.Tests.Logging;

public sealed class SinkTests
{
    static readonly LogRecord[] Sample =
    [
        new("train/loss", 2.5, 10, 0, 640, 20, 1.25),
        new("val/accuracy", 0.75, 10, 0, 640, 20, 1.5),
        new("weird,name", double.NaN, 11, 1, 700, 22, 2.0),
    ];

    [Fact]
    public void Csv_is_long_format_with_every_axis_and_survives_a_reopen()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("metrics.csv");
        using (var sink = new CsvSink(path)) sink.Write(Sample[..2]);
        using (var sink = new CsvSink(path)) sink.Write(Sample[2..]); // a resumed run appends, no second header
        var lines = File.ReadAllLines(path);
        Assert.Equal("step,epoch,tokens,samples,wall_s,name,value", lines[0]);
        Assert.Equal("10,0,640,20,1.25,train/loss,2.5", lines[1]);
        Assert.Equal("11,1,700,22,2,\"weird,name\",NaN", lines[3]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public void Jsonl_writes_one_object_per_record()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("metrics.jsonl");
        using (var sink = new JsonlSink(path)) sink.Write(Sample);
        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("train/loss", first.RootElement.GetProperty("name").GetString());
        Assert.Equal(2.5, first.RootElement.GetProperty("value").GetDouble());
        Assert.Equal(640, first.RootElement.GetProperty("tokens").GetInt64());
        Assert.Equal(1.25, first.RootElement.GetProperty("wall_s").GetDouble());
        using var nan = JsonDocument.Parse(lines[2]);
        Assert.Equal("NaN", nan.RootElement.GetProperty("value").GetString());
    }

    [Fact]
    public void TensorBoard_file_parses_record_by_record_with_valid_crcs_and_holds_the_scalars()
    {
        using var folder = TestPaths.NewTempFolder();
        using (var sink = new TensorBoardSink(folder.Path)) sink.Write(Sample[..2]);
        var file = Directory.GetFiles(folder.Path, "events.out.tfevents.*", SearchOption.AllDirectories).Single();

        var events = TensorBoardReader.Read(file);
        var scalars = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (v.Tag, v.SimpleValue, e.Step))).ToList();
        Assert.Contains(("train/loss", 2.5f, 10L), scalars);
        Assert.Contains(("val/accuracy", 0.75f, 10L), scalars);
        Assert.Contains(events, e => e.FileVersion.StartsWith("brain.Event", StringComparison.Ordinal));
    }

    [Fact]
    public void A_trainer_writes_the_same_values_to_every_sink()
    {
        using var folder = TestPaths.NewTempFolder();
        var list = new ListSink();
        using (var trainer = new Trainer(new TrainerOptions { MaxSteps = 4, LogEveryNSteps = 2, ProgressBar = false },
                   sinks: [list, new CsvSink(folder.File("m.csv")), new JsonlSink(folder.File("m.jsonl"))]))
            trainer.Fit(new Training.TinyTokenModel(), Training.TinyData.Batches(4, 2));
        var csv = File.ReadAllLines(folder.File("m.csv")).Skip(1).Select(l => l.Split(','))
            .Where(p => p[5] == "train/loss").Select(p => double.Parse(p[6], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(list.Records.Where(r => r.Name == "train/loss").Select(r => r.Value), csv);
        Assert.Equal(list.Records.Count, File.ReadAllLines(folder.File("m.jsonl")).Length);
    }
}
