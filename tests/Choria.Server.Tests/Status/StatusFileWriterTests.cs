using System.Text.Json;
using Choria.Server.Agents;
using Choria.Server.Runtime;
using Choria.Server.Status;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests.Status;

public sealed class StatusFileWriterTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("choria-status-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static StatusSnapshot Snapshot(long total = 12) => new()
    {
        Identity = "node1.example.net",
        Uptime = 3600,
        ConnectedServer = "nats://broker1.example.net:4222",
        LastMessage = 1578175200,
        Stats = new ServerStats { Total = total, Validated = 10, Unvalidated = 1, Passed = 10, Filtered = 1, Events = 2 },
    };

    [Fact]
    public void Writes_the_2020_shape_plus_events_with_mode_0644()
    {
        var path = Path.Combine(_dir.FullName, "status.json");
        var writer = new StatusFileWriter(new StatusFileOptions { Path = path }, () => Snapshot(), NullLogger.Instance);

        Assert.True(writer.WriteOnce());

        using var written = JsonDocument.Parse(File.ReadAllBytes(path));
        using var fixture = JsonDocument.Parse(File.ReadAllBytes(TestPaths.Fixture("server", "examples", "status_2020.json")));
        Assert.Equal(Keys(fixture.RootElement), Keys(written.RootElement));
        Assert.Equal([.. Keys(fixture.RootElement.GetProperty("stats")), "events"], Keys(written.RootElement.GetProperty("stats")));
        foreach (var key in new[] { "identity", "uptime", "connected_server", "last_message", "provisioning_mode" })
        {
            Assert.Equal(fixture.RootElement.GetProperty(key).GetRawText(), written.RootElement.GetProperty(key).GetRawText());
        }

        foreach (var stat in fixture.RootElement.GetProperty("stats").EnumerateObject())
        {
            Assert.Equal(stat.Value.GetRawText(), written.RootElement.GetProperty("stats").GetProperty(stat.Name).GetRawText());
        }

        Assert.Equal(2, written.RootElement.GetProperty("stats").GetProperty("events").GetInt64());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        }

        Assert.Single(_dir.GetFiles());
    }

    [Fact]
    public void A_failed_write_is_counted_and_the_next_one_succeeds_once_the_directory_exists()
    {
        // A plain file where the directory should be fails even for root (ENOTDIR), like a full or read-only disk.
        var blocked = Path.Combine(_dir.FullName, "blocked");
        File.WriteAllText(blocked, "");
        var counters = new ServerCounters();
        var writer = new StatusFileWriter(new StatusFileOptions { Path = Path.Combine(blocked, "status.json") }, () => Snapshot(), NullLogger.Instance, counters: counters);

        Assert.False(writer.WriteOnce());
        Assert.False(writer.WriteOnce());
        Assert.Equal(2, counters.WriteFailures(WriteTarget.StatusFile));
        Assert.Equal(0, counters.WriteFailures(WriteTarget.AuditLog));

        File.Delete(blocked);
        Directory.CreateDirectory(blocked);
        Assert.True(writer.WriteOnce());
        Assert.Equal(2, counters.WriteFailures(WriteTarget.StatusFile));
    }

    [Fact]
    public async Task Start_writes_at_once_and_then_every_interval_and_stop_ends_the_loop()
    {
        var path = Path.Combine(_dir.FullName, "status.json");
        var calls = 0;
        var writer = new StatusFileWriter(new StatusFileOptions { Path = path, Interval = TimeSpan.FromMilliseconds(50) }, () => Snapshot(Interlocked.Increment(ref calls)), NullLogger.Instance);

        await writer.StartAsync(CancellationToken.None);
        Assert.True(File.Exists(path));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref calls) < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await writer.StopAsync(CancellationToken.None);
        var after = Volatile.Read(ref calls);
        Assert.True(after >= 3);
        await Task.Delay(150);
        Assert.Equal(after, Volatile.Read(ref calls));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal(after, doc.RootElement.GetProperty("stats").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Zero_interval_or_no_path_disables_the_writer()
    {
        var path = Path.Combine(_dir.FullName, "status.json");
        await new StatusFileWriter(new StatusFileOptions { Path = path, Interval = TimeSpan.Zero }, () => Snapshot(), NullLogger.Instance).StartAsync(CancellationToken.None);
        await new StatusFileWriter(new StatusFileOptions(), () => Snapshot(), NullLogger.Instance).StartAsync(CancellationToken.None);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Write_errors_are_reported_not_thrown()
    {
        var path = Path.Combine(_dir.FullName, "missing-dir", "status.json");
        var writer = new StatusFileWriter(new StatusFileOptions { Path = path }, () => Snapshot(), NullLogger.Instance);
        Assert.False(writer.WriteOnce());
    }

    private static List<string> Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];
}
