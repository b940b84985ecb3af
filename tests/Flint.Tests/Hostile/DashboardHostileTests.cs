using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Flint.Dashboard;
using Flint.Tracking;
using Flint.Workflow.Specs;

namespace Flint.Tests.Hostile;

/// <summary>
/// The dashboard as a hostile page or user would probe it: links that leave the runs root, a foreign <c>Host</c> header
/// (DNS rebinding against a loopback server), NUL bytes in parameters, and the traversal attempts it already refuses.
/// </summary>
public sealed class DashboardHostileTests
{
    static string MakeRun(string folder)
    {
        var run = RunFolder.Open(folder, RunKind.Pretrain, false, new PretrainSpec());
        File.WriteAllLines(run.File("metrics.csv"), ["step,epoch,tokens,samples,wall_s,name,value", "1,0,10,1,0.1,train/loss,3", "2,0,20,2,0.2,train/loss,2.5"]);
        return run.Path;
    }

    /// <summary>Sends a request line and Host header by hand (HttpClient would normalise both); returns the status.</summary>
    static async Task<HttpStatusCode> RawGet(string url, string rawPath, string? host = null)
    {
        var uri = new Uri(url);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        using var stream = tcp.GetStream();
        var request = $"GET {rawPath} HTTP/1.1\r\nHost: {host ?? $"{uri.Host}:{uri.Port}"}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream);
        var status = await reader.ReadLineAsync();
        return (HttpStatusCode)int.Parse(status!.Split(' ')[1], CultureInfo.InvariantCulture);
    }

    /// <summary>A runs root with run r1, and outside it a folder that looks like a run (so only the link check stops it).</summary>
    sealed class Setup : IDisposable
    {
        public Setup()
        {
            Root = Folder.File("runs");
            Directory.CreateDirectory(Root);
            MakeRun(Path.Combine(Root, "r1"));
            Outside = MakeRun(Folder.File("outside"));
            File.WriteAllText(Path.Combine(Outside, "secret.txt"), "do not serve");
        }

        public TempFolder Folder { get; } = TestPaths.NewTempFolder();
        public string Root { get; }
        public string Outside { get; }
        public void Dispose() => Folder.Dispose();
    }

    [Fact]
    public async Task A_directory_link_leaving_the_runs_root_serves_nothing_through_files_metrics_or_charts()
    {
        using var setup = new Setup();
        Directory.CreateSymbolicLink(Path.Combine(setup.Root, "etclink"), "/etc");
        Directory.CreateSymbolicLink(Path.Combine(setup.Root, "outlink"), setup.Outside);
        Directory.CreateDirectory(Path.Combine(setup.Root, "nested"));
        Directory.CreateSymbolicLink(Path.Combine(setup.Root, "nested", "deeper"), Path.Combine("..", "..", "outside"));
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(setup.Root, Port: 0));

        foreach (var path in new[] { "/files/etclink/passwd", "/files/etclink/hostname", "/files/outlink/secret.txt", "/files/outlink/config.yaml",
                     "/files/nested/deeper/secret.txt", "/api/metrics?id=outlink", "/api/metrics?id=nested/deeper", "/api/chart?id=outlink&name=loss",
                     "/api/chart?id=nested%2Fdeeper&name=loss" })
            Assert.True(await RawGet(server.Url, path) is HttpStatusCode.NotFound or HttpStatusCode.Forbidden, $"{path} was served");
    }

    [Fact]
    public async Task A_file_link_inside_a_run_that_points_outside_the_runs_root_is_not_served()
    {
        using var setup = new Setup();
        File.CreateSymbolicLink(Path.Combine(setup.Root, "r1", "leak.txt"), Path.Combine(setup.Outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(setup.Root, "r1", "passwd"), "/etc/passwd");
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(setup.Root, Port: 0));

        Assert.Equal(HttpStatusCode.NotFound, await RawGet(server.Url, "/files/r1/leak.txt"));
        Assert.Equal(HttpStatusCode.NotFound, await RawGet(server.Url, "/files/r1/passwd"));
    }

    [Fact]
    public async Task Links_that_stay_inside_the_runs_root_are_still_served()
    {
        using var setup = new Setup();
        Directory.CreateSymbolicLink(Path.Combine(setup.Root, "alias"), "r1");
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(setup.Root, Port: 0));

        Assert.Equal(HttpStatusCode.OK, await RawGet(server.Url, "/files/alias/config.yaml"));
        Assert.Equal(HttpStatusCode.OK, await RawGet(server.Url, "/api/metrics?id=alias"));
        Assert.Equal(HttpStatusCode.OK, await RawGet(server.Url, "/files/r1/metrics.csv"));
    }

    [Fact]
    public async Task A_runs_root_reached_through_a_link_serves_its_own_runs()
    {
        using var setup = new Setup();
        var linkedRoot = setup.Folder.File("linked-runs");
        Directory.CreateSymbolicLink(linkedRoot, setup.Root);
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(linkedRoot, Port: 0));

        Assert.Equal(HttpStatusCode.OK, await RawGet(server.Url, "/files/r1/config.yaml"));
        Assert.Equal(HttpStatusCode.OK, await RawGet(server.Url, "/api/chart?id=r1&name=loss"));
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:8765")]
    [InlineData("127.0.0.1.evil.example")]
    [InlineData("")]
    public async Task A_request_whose_host_header_is_not_the_dashboards_address_is_refused(string host)
    {
        using var setup = new Setup();
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(setup.Root, Port: 0));

        Assert.Equal(HttpStatusCode.BadRequest, await RawGet(server.Url, "/api/runs", host));
        Assert.Equal(HttpStatusCode.BadRequest, await RawGet(server.Url, "/files/r1/config.yaml", host));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:1234")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]:8765")]
    public async Task Loopback_names_and_addresses_are_accepted_as_the_host(string host)
    {
        using var setup = new Setup();
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(setup.Root, Port: 0));

        Assert.Equal(HttpStatusCode.OK, await RawGet(server.Url, "/api/runs", host));
    }

    [Fact]
    public async Task The_configured_host_name_is_accepted_as_the_host()
    {
        using var setup = new Setup();
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(setup.Root, Host: "localhost", Port: 0));

        Assert.Equal(HttpStatusCode.OK, await RawGet(server.Url, "/api/runs", "localhost:" + new Uri(server.Url).Port));
        Assert.Equal(HttpStatusCode.BadRequest, await RawGet(server.Url, "/api/runs", "attacker.example"));
    }

    [Theory]
    [InlineData("/api/metrics?id=r1%00")]
    [InlineData("/api/metrics?id=%00")]
    [InlineData("/api/chart?id=r1&name=lo%00ss")]
    [InlineData("/api/chart?id=r1%00/../r1&name=loss")]
    [InlineData("/files/r1/config.yaml%00.png")]
    [InlineData("/files/r1%00/config.yaml")]
    public async Task A_nul_byte_in_any_parameter_is_a_bad_request_not_a_server_error(string path)
    {
        using var setup = new Setup();
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(setup.Root, Port: 0));

        Assert.Equal(HttpStatusCode.BadRequest, await RawGet(server.Url, path));
    }

    [Fact]
    public async Task Traversal_in_every_encoding_is_still_not_found()
    {
        using var setup = new Setup();
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(setup.Root, Port: 0));

        foreach (var attack in new[] { "/files/../outside/secret.txt", "/files/%2e%2e/outside/secret.txt", "/files/..%2foutside%2fsecret.txt",
                     "/files/r1/../../outside/secret.txt", "/files/%2fetc%2fpasswd", "/api/metrics?id=../outside", "/api/metrics?id=%2Fetc", "/api/chart?id=..&name=loss",
                     "/api/sweep?id=../outside", "/api/sweep?id=%2Ftmp", "/api/sweep?id=r1" })
            Assert.Equal(HttpStatusCode.NotFound, await RawGet(server.Url, attack));
    }

    [Fact]
    public async Task A_sweep_record_naming_runs_outside_its_folder_serves_nothing()
    {
        using var setup = new Setup();
        var sweep = Path.Combine(setup.Root, "sweep");
        Directory.CreateDirectory(sweep);
        File.WriteAllText(Path.Combine(sweep, "config.yaml"), "kind: sweep\n");
        File.WriteAllText(Path.Combine(sweep, SweepRecord.FileName),
            "{\"command\":\"pretrain\",\"arguments\":[],\"grid\":[],\"seeds\":[0],\"random\":null,\"metric\":\"loss\",\"runs\":[{\"run\":\"../../outside\",\"setting\":[],\"seed\":0}]}");
        await using var server = await DashboardServer.StartAsync(new DashboardOptions(setup.Root, Port: 0));

        Assert.Equal(HttpStatusCode.NotFound, await RawGet(server.Url, "/api/sweep?id=sweep"));
        Assert.Throws<InvalidDataException>(() => SweepRecord.Read(sweep));
    }
}
