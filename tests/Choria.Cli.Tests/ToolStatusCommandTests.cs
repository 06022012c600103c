using System.CommandLine;
using Choria.Cli.Commands.Tool;

namespace Choria.Cli.Tests;

public sealed class ToolStatusCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("choria-toolstatus-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = ChoriaApp.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private string StatusFile(string connected = "nats://b1:4222", long? lastMessage = null, TimeSpan? age = null, string? raw = null)
    {
        var path = Path.Combine(_dir.FullName, $"status-{Guid.NewGuid():N}.json");
        var last = lastMessage ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        File.WriteAllText(path, raw ?? $"{{\"identity\":\"n1\",\"uptime\":10,\"connected_server\":\"{connected}\",\"last_message\":{last},\"provisioning_mode\":false,\"stats\":{{\"total\":1}}}}");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - (age ?? TimeSpan.Zero));
        return path;
    }

    [Fact]
    public void Healthy_file_is_ok_with_exit_0()
    {
        var f = StatusFile();
        Assert.Equal((0, $"{f} OK\n", ""), Run("tool", "status", "--status-file", f));
    }

    [Fact]
    public void Missing_file_is_a_flag_error()
    {
        var f = Path.Combine(_dir.FullName, "nope.json");
        var (code, stdout, stderr) = Run("tool", "status", "--status-file", f);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal($"choria: error: path '{f}' does not exist, try --help\n", stderr);
    }

    [Fact]
    public void Unreadable_file_names_the_file_twice()
    {
        var f = _dir.CreateSubdirectory("adir").FullName;
        Assert.Equal((1, $"{f} {f} could not be read: read {f}: is a directory\n", ""), Run("tool", "status", "--status-file", f));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"last_message\":\"yesterday\"}")]
    public void Unparseable_file_names_the_file_twice(string raw)
    {
        var f = StatusFile(raw: raw);
        var (code, stdout, _) = Run("tool", "status", "--status-file", f);
        Assert.Equal(1, code);
        Assert.StartsWith($"{f} {f} could not be parsed: ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Old_file_fails_before_the_other_checks_with_go_duration_text()
    {
        var f = StatusFile(connected: "", lastMessage: 1, age: TimeSpan.FromHours(1));
        Assert.Equal((1, $"{f} older than 30m0s\n", ""), Run("tool", "status", "--status-file", f));
        Assert.Equal((1, $"{f} older than 1m30s\n", ""), Run("tool", "status", "--status-file", f, "--max-age", "90s"));
    }

    [Fact]
    public void Max_age_zero_disables_the_age_check()
    {
        var f = StatusFile(age: TimeSpan.FromDays(2));
        Assert.Equal((0, $"{f} OK\n", ""), Run("tool", "status", "--status-file", f, "--max-age", "0"));
    }

    [Fact]
    public void Empty_connected_server_fails_unless_no_disconnected()
    {
        var f = StatusFile(connected: "");
        Assert.Equal((1, $"{f} connection check failed: not connected\n", ""), Run("tool", "status", "--status-file", f));
        Assert.Equal((0, $"{f} OK\n", ""), Run("tool", "status", "--status-file", f, "--no-disconnected"));
        Assert.Equal((1, $"{f} connection check failed: not connected\n", ""), Run("tool", "status", "--status-file", f, "--disconnected"));
    }

    [Fact]
    public void Old_last_message_fails_with_go_time_text_unless_disabled()
    {
        var f = StatusFile(lastMessage: 1578175200);
        var expectedTime = GoFormat.Time(DateTimeOffset.FromUnixTimeSeconds(1578175200), TimeZoneInfo.Local);
        Assert.Equal((1, $"{f} no recent messages: last message at {expectedTime}\n", ""), Run("tool", "status", "--status-file", f));
        Assert.Equal((0, $"{f} OK\n", ""), Run("tool", "status", "--status-file", f, "--message-since", "0"));

        var recent = StatusFile(lastMessage: DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds());
        Assert.Equal(0, Run("tool", "status", "--status-file", recent).Code);
        Assert.Equal(1, Run("tool", "status", "--status-file", recent, "--message-since", "5m").Code);
    }

    [Fact]
    public void Writer_output_fixture_passes_when_fresh()
    {
        var fixture = File.ReadAllText(TestPaths.Fixture("server", "examples", "status_2020.json"));
        var f = StatusFile(raw: fixture);
        Assert.Equal((0, $"{f} OK\n", ""), Run("tool", "status", "--status-file", f, "--message-since", "0"));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(1800, "30m0s")]
    [InlineData(3600, "1h0m0s")]
    [InlineData(90, "1m30s")]
    [InlineData(9900, "2h45m0s")]
    [InlineData(1.5, "1.5s")]
    [InlineData(0.25, "250ms")]
    public void Go_duration_format(double seconds, string expected) =>
        Assert.Equal(expected, GoFormat.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Go_time_format()
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(1578175200);
        Assert.Equal("2020-01-04 22:00:00 +0000 UTC", GoFormat.Time(t, TimeZoneInfo.Utc));
        var plusOne = TimeZoneInfo.CreateCustomTimeZone("X", TimeSpan.FromHours(1), "X", "X");
        Assert.Equal("2020-01-04 23:00:00 +0100 +0100", GoFormat.Time(t, plusOne));
    }
}
