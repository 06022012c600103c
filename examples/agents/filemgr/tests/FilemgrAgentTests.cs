using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Ddl;
using Choria.Sdk;
using Microsoft.Extensions.Logging;

namespace Choria.Agents.Filemgr.Tests;

/// <summary>The agent's actions on real files in a temporary directory, checked against coreutils' own stat(1).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class FilemgrAgentTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("filemgr-tests-").FullName;
    private readonly CapturingLogger _logger = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Status_of_a_regular_file_reports_what_stat_reports()
    {
        var file = Write("hello.txt", "hello\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.SetLastWriteTimeUtc(file, new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc));

        var result = await RunAsync(Agent(), "status", file);

        Assert.Equal(ReplyStatus.OK, result.Status);
        var data = result.Data;
        Assert.Equal(file, (string?)data["name"]);
        Assert.Equal("present", (string?)data["output"]);
        Assert.Equal(1, (int?)data["present"]);
        Assert.Equal("file", (string?)data["type"]);
        Assert.Equal(6, (long?)data["size"]);
        Assert.Equal("0640", (string?)data["mode"]);
        Assert.Equal("b1946ac92492d2347c6235b4d2611184", (string?)data["md5"]);
        Assert.Equal("2021-03-04T05:06:07Z", (string?)data["mtime"]);
        Assert.Equal(1614834367, (long?)data["mtime_seconds"]);

        var stat = await StatAsync(file, "%u %g %U %G %Z %X");
        Assert.Equal(stat[0], ((long?)data["uid"])?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(stat[1], ((long?)data["gid"])?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(stat[2], (string?)data["owner"]);
        Assert.Equal(stat[3], (string?)data["group"]);
        Assert.Equal(stat[4], ((long?)data["ctime_seconds"])?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(stat[5], ((long?)data["atime_seconds"])?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(long.Parse(stat[4], CultureInfo.InvariantCulture)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), (string?)data["ctime"]);
    }

    [Fact]
    public async Task Status_tells_directories_symlinks_other_files_and_missing_paths_apart()
    {
        var agent = Agent();
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "sub")).FullName;
        var link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, "sub");
        var fifo = Path.Combine(_dir, "fifo");
        Assert.Equal(0, (await ManagedProcess.RunAsync("mkfifo", [fifo], TimeSpan.FromSeconds(10))).ExitCode);

        var directory = (await RunAsync(agent, "status", sub)).Data;
        Assert.Equal("directory", (string?)directory["type"]);
        Assert.False(directory.ContainsKey("md5"));
        Assert.False(directory.ContainsKey("link_target"));
        Assert.Equal((await StatAsync(sub, "%a"))[0].PadLeft(4, '0'), (string?)directory["mode"]);

        var symlink = (await RunAsync(agent, "status", link)).Data;
        Assert.Equal("symlink", (string?)symlink["type"]);
        Assert.Equal("sub", (string?)symlink["link_target"]);

        // A FIFO is never opened for the digest: reading it would block the action until its timeout.
        var other = (await RunAsync(agent, "status", fifo)).Data;
        Assert.Equal("other", (string?)other["type"]);
        Assert.False(other.ContainsKey("md5"));

        var missing = await RunAsync(agent, "status", Path.Combine(_dir, "nope", "nothing"));
        Assert.Equal(ReplyStatus.OK, missing.Status);
        Assert.Equal(0, (int?)missing.Data["present"]);
        Assert.Equal("not present", (string?)missing.Data["output"]);
    }

    [Fact]
    public async Task Touch_creates_a_missing_file_and_sets_an_existing_files_time_to_now()
    {
        var agent = Agent();
        var created = Path.Combine(_dir, "new");
        var existing = Write("old", "keep me");
        File.SetLastWriteTimeUtc(existing, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var first = await RunAsync(agent, "touch", created);
        var second = await RunAsync(agent, "touch", existing);

        Assert.Equal(ReplyStatus.OK, first.Status);
        Assert.True((bool?)first.Data["created"]);
        Assert.Equal("2026-05-06T07:08:09Z", (string?)first.Data["mtime"]);
        Assert.Equal(s_now.ToUnixTimeSeconds(), (long?)first.Data["mtime_seconds"]);
        Assert.Equal(0, new FileInfo(created).Length);
        Assert.Equal(s_now.UtcDateTime, File.GetLastWriteTimeUtc(created));

        Assert.Equal(ReplyStatus.OK, second.Status);
        Assert.False((bool?)second.Data["created"]);
        Assert.Equal(s_now.UtcDateTime, File.GetLastWriteTimeUtc(existing));
        Assert.Equal("keep me", await File.ReadAllTextAsync(existing));
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Information && e.Message == $"Touched {created} (created: True) for choria=test.mcollective");
    }

    [Fact]
    public async Task Touch_in_a_directory_that_does_not_exist_fails_with_the_reason()
    {
        var file = Path.Combine(_dir, "missing", "file");

        var result = await RunAsync(Agent(), "touch", file);

        Assert.Equal(ReplyStatus.Aborted, result.Status);
        Assert.StartsWith($"Could not touch {file}: ", result.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "missing")));
    }

    [Fact]
    public async Task Remove_deletes_a_regular_file_and_answers_ok_for_one_already_gone()
    {
        var agent = Agent();
        var file = Write("doomed", "x");

        var removed = await RunAsync(agent, "remove", file);
        var again = await RunAsync(agent, "remove", file);

        Assert.Equal(ReplyStatus.OK, removed.Status);
        Assert.True((bool?)removed.Data["removed"]);
        Assert.False(File.Exists(file));
        Assert.Equal(ReplyStatus.OK, again.Status);
        Assert.False((bool?)again.Data["removed"]);
    }

    [Fact]
    public async Task Remove_refuses_directories_and_symlinks_and_leaves_them_alone()
    {
        var agent = Agent();
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "sub")).FullName;
        var target = Write("target", "x");
        var link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, target);

        var directory = await RunAsync(agent, "remove", sub);
        var symlink = await RunAsync(agent, "remove", link);

        Assert.Equal(ReplyStatus.Aborted, directory.Status);
        Assert.Equal($"Could not remove {sub}: it is a directory, and filemgr removes regular files only", directory.Message);
        Assert.True(Directory.Exists(sub));
        Assert.Equal(ReplyStatus.Aborted, symlink.Status);
        Assert.Contains("it is a symlink", symlink.Message, StringComparison.Ordinal);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.True(File.Exists(target));
    }

    [Fact]
    public async Task Allowed_paths_refuse_touch_and_remove_outside_them_with_status_5_but_not_status()
    {
        var allowed = Directory.CreateDirectory(Path.Combine(_dir, "allowed")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(_dir, "outside")).FullName;
        var victim = Write("outside/victim", "precious");
        // Lexically inside, really outside: a link to the outside directory and a sibling sharing the prefix's name.
        File.CreateSymbolicLink(Path.Combine(allowed, "escape"), outside);
        Directory.CreateDirectory(allowed + "x");
        var agent = Agent(("allowed_paths", $" {allowed}/ , /nonexistent/prefix"));

        var refused = new Dictionary<string, ActionResult>
        {
            ["touch outside"] = await RunAsync(agent, "touch", Path.Combine(outside, "new")),
            ["remove outside"] = await RunAsync(agent, "remove", victim),
            ["touch via .."] = await RunAsync(agent, "touch", $"{allowed}/../outside/dotdot"),
            ["touch via symlink"] = await RunAsync(agent, "touch", Path.Combine(allowed, "escape", "linked")),
            ["remove via symlink"] = await RunAsync(agent, "remove", Path.Combine(allowed, "escape", "victim")),
            ["touch sibling"] = await RunAsync(agent, "touch", Path.Combine(allowed + "x", "sibling")),
        };

        foreach (var (what, result) in refused)
        {
            Assert.True(result.Status == ReplyStatus.UnknownError, $"{what}: {result.Status} {result.Message}");
            Assert.Contains($"is outside the paths filemgr may change (plugin.filemgr.allowed_paths: {allowed}, /nonexistent/prefix)", result.Message, StringComparison.Ordinal);
        }

        Assert.Equal(["victim"], Directory.GetFiles(outside).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFileSystemEntries(allowed + "x"));
        Assert.Equal("precious", await File.ReadAllTextAsync(victim));
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message == $"Refused to remove {victim} for choria=test.mcollective: outside plugin.filemgr.allowed_paths");

        var inside = Path.Combine(allowed, "sub", "ok");
        Directory.CreateDirectory(Path.GetDirectoryName(inside)!);
        Assert.Equal(ReplyStatus.OK, (await RunAsync(agent, "touch", inside)).Status);
        Assert.Equal(ReplyStatus.OK, (await RunAsync(agent, "remove", inside)).Status);
        var status = await RunAsync(agent, "status", victim);
        Assert.Equal(ReplyStatus.OK, status.Status);
        Assert.Equal(1, (int?)status.Data["present"]);
    }

    [Fact]
    public async Task A_relative_path_is_refused_even_without_the_servers_DDL_check()
    {
        var agent = Agent();

        var touch = await RunAsync(agent, "touch", "relative/file");

        Assert.Equal(ReplyStatus.InvalidData, touch.Status);
        Assert.Equal("file must be an absolute path, got 'relative/file'", touch.Message);
        Assert.False(File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "relative", "file")));
    }

    [Fact]
    public void The_embedded_DDL_is_valid_and_requires_an_absolute_path_of_at_most_1024_bytes()
    {
        var ddl = DdlLoader.Parse(Encoding.UTF8.GetBytes(Create().DdlJson!), "filemgr.json");
        Assert.True(ddl.Ddl is not null, ddl.Error);
        Assert.Equal(new ChoriaPlugin().PluginName, ddl.Ddl.Metadata.Name);
        Assert.Equal(["status", "touch", "remove"], ddl.Ddl.ActionNames());

        foreach (var action in ddl.Ddl.Actions)
        {
            Assert.True(InputValidator.ValidateRequestData(action, Json("""{"file":"/etc/hostname"}""")).IsValid, action.Action);
            Assert.Equal(InputValidationFailure.MissingInput, InputValidator.ValidateRequestData(action, Json("{}")).Failure);
            Assert.Equal(InputValidationFailure.InvalidInput, InputValidator.ValidateRequestData(action, Json("""{"file":"etc/hostname"}""")).Failure);
            var tooLong = JsonSerializer.Serialize(new JsonObject { ["file"] = "/" + new string('a', 1024) });
            Assert.Equal(InputValidationFailure.InvalidInput, InputValidator.ValidateRequestData(action, Json(tooLong)).Failure);
        }
    }

    /// <summary>md5 and link_target belong to some kinds of file only; every other output is always there.</summary>
    [Fact]
    public async Task Every_output_an_action_returns_is_declared_in_the_DDL()
    {
        var ddl = DdlLoader.Parse(Encoding.UTF8.GetBytes(Create().DdlJson!), "filemgr.json").Ddl!;
        var agent = Agent();
        var file = Write("declared", "x");

        foreach (var action in new[] { "status", "touch", "remove" })
        {
            var result = await RunAsync(agent, action, file);
            Assert.Equal(ReplyStatus.OK, result.Status);
            var declared = ddl.FindAction(action)!.Output.Keys.Where(k => k != "link_target").Order(StringComparer.Ordinal);
            Assert.Equal(declared, result.Data.Select(p => p.Key).Order(StringComparer.Ordinal));
        }
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private ActionMap Agent(params (string Key, string Value)[] config)
    {
        var actions = new ActionMap();
        Create(config).RegisterActions(actions);
        return actions;
    }

    /// <summary>The agent as the server builds it: through the plugin's entry class.</summary>
    private Agent Create(params (string Key, string Value)[] config)
    {
        var plugin = new ChoriaPlugin();
        Assert.Equal(PluginType.Agent, plugin.PluginType);
        return ((AgentFactory)plugin.PluginInstance)(new Context(_logger, config.ToDictionary(c => c.Key, c => c.Value)));
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static async Task<ActionResult> RunAsync(ActionMap actions, string action, string file) =>
        await actions.Actions[action](new ActionRequest
        {
            Agent = "filemgr",
            Action = action,
            Data = Json(JsonSerializer.Serialize(new JsonObject { ["file"] = file })),
            CallerId = "choria=test.mcollective",
            SenderId = "test.example.net",
            RequestId = "1",
            Collective = "mcollective",
            Time = s_now,
        }, CancellationToken.None);

    /// <summary>coreutils' stat(1) of <paramref name="path"/> without following a symlink, split on spaces.</summary>
    private static async Task<string[]> StatAsync(string path, string format)
    {
        var result = await ManagedProcess.RunAsync("stat", ["-c", format, path], TimeSpan.FromSeconds(10));
        Assert.True(result.ExitCode == 0, result.Stderr);
        return result.Stdout.Trim().Split(' ');
    }

    private sealed class Context(ILogger logger, Dictionary<string, string> config) : IAgentContext
    {
        public string Identity => "test.example.net";

        public string ServerVersion => "0.0.0";

        public JsonElement Facts => Json("{}");

        public ILogger Logger => logger;

        public TimeProvider Clock { get; } = new TestClock(s_now);

        public string? Config(string key) => config.GetValueOrDefault(key);
    }
}
