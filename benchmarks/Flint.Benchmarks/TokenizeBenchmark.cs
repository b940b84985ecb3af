using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Flint.Text.Shards;
using Flint.Text.Tokenizers;

namespace Flint.Benchmarks;

/// <summary>
/// GPT-2 encoding throughput on the bundled corpora: Flint single-threaded and with all cores (the whole
/// <c>flint tokenize</c> job, reading and writing included), side by side with the npm package tiktoken (WebAssembly
/// build of OpenAI's tokenizer) on the same documents in the same run; then peak RSS while tokenizing a 100 MB corpus,
/// measured in a child process so nothing else inflates it.
/// </summary>
internal sealed class TokenizeBenchmark : IBenchmark
{
    public string Name => "tokenize";
    public string Description => "GPT-2 tokenization MB/s (1 thread, all threads) vs npm tiktoken, and peak RSS on a 100 MB corpus.";

    public int Run(string[] args)
    {
        if (args is ["--rss-child", var corpus, var output]) return RssChild(corpus, output);

        var files = BenchmarkData.CorpusFiles;
        var documents = files.Select(File.ReadAllText).ToList();
        long bytes = documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d));
        var gpt2 = new Gpt2Tokenizer();
        gpt2.Encode("warm up the tokenizer");

        double flintSingle = 0, tiktoken = 0;
        for (int round = 0; round < 3; round++) // interleaved rounds; best of each, as a noisy machine only slows things down
        {
            var watch = Stopwatch.StartNew();
            long tokens = documents.Sum(d => (long)gpt2.Encode(d).Length);
            flintSingle = Math.Max(flintSingle, bytes / 1e6 / watch.Elapsed.TotalSeconds);
            tiktoken = Math.Max(tiktoken, Tiktoken(documents));
            if (round == 0) Console.WriteLine($"{files.Count} files, {bytes / 1e6:F1} MB, {tokens:N0} GPT-2 tokens");
        }

        using var temp = new TempDirectory();
        var all = Stopwatch.StartNew();
        TokenizeJob.Run(files, gpt2, Path.Combine(temp.Path, "all"), new TokenizeOptions(Threads: Environment.ProcessorCount));
        double flintAll = bytes / 1e6 / all.Elapsed.TotalSeconds;

        double rss = PeakRssTokenizing100Mb(temp.Path);
        Console.WriteLine($"flint 1 thread {flintSingle:F2} MB/s, flint tokenize job with {Environment.ProcessorCount} threads {flintAll:F2} MB/s, tiktoken (npm, wasm) {tiktoken:F2} MB/s");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mb_per_s={flintSingle:F2} mb_per_s_all_threads={flintAll:F2} tiktoken_mb_per_s={tiktoken:F2} ratio={flintSingle / tiktoken:F3} peak_rss_mb={rss:F0}"));
        return 0;
    }

    static double Tiktoken(List<string> documents)
    {
        var folder = Path.Combine(BenchmarkData.RepoRoot, "benchmarks", "tiktoken");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "tiktoken")))
        {
            Console.WriteLine("installing the npm baseline (npm ci in benchmarks/tiktoken)...");
            RunProcess("npm", "ci --no-audit --no-fund", folder);
        }
        var input = Path.GetTempFileName();
        File.WriteAllText(input, JsonSerializer.Serialize(documents));
        try
        {
            var json = RunProcess("node", $"encode.js \"{input}\"", folder);
            using var result = JsonDocument.Parse(json);
            return result.RootElement.GetProperty("bytes").GetDouble() / 1e6 / result.RootElement.GetProperty("seconds").GetDouble();
        }
        finally
        {
            File.Delete(input);
        }
    }

    static double PeakRssTokenizing100Mb(string temp)
    {
        var corpus = Path.Combine(temp, "corpus100");
        Directory.CreateDirectory(corpus);
        var sources = BenchmarkData.CorpusFiles;
        long written = 0;
        for (int copy = 0; written < 100_000_000; copy++)
            foreach (var file in sources)
            {
                var target = Path.Combine(corpus, $"{copy:D2}-{Path.GetFileName(file)}");
                File.Copy(file, target);
                written += new FileInfo(target).Length;
            }
        var self = Environment.ProcessPath!;
        var dll = typeof(TokenizeBenchmark).Assembly.Location;
        var output = RunProcess(self.EndsWith("dotnet", StringComparison.Ordinal) ? "dotnet" : self,
            (self.EndsWith("dotnet", StringComparison.Ordinal) ? $"\"{dll}\" " : "") + $"tokenize --rss-child \"{corpus}\" \"{Path.Combine(temp, "out100")}\"", null);
        Console.WriteLine($"tokenized a {written / 1e6:F0} MB corpus in a child process: {output.Trim()}");
        return double.Parse(output.Trim().Split('=')[^1], CultureInfo.InvariantCulture);
    }

    static int RssChild(string corpus, string output)
    {
        var result = TokenizeJob.Run([corpus], new Gpt2Tokenizer(), output, new TokenizeOptions());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tokens={result.Meta.Splits.Values.Sum(s => s.Tokens)} peak_rss_mb={BenchmarkData.PeakRssMb():F0}"));
        return 0;
    }

    static string RunProcess(string file, string arguments, string? workingDirectory)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {stderr}");
        return stdout.Trim().Split('\n')[^1];
    }

    sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("flint-bench-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
