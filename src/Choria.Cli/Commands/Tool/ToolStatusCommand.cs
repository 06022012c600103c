using System.CommandLine;
using Choria.Config.Settings;
using Choria.Server.Status;

namespace Choria.Cli.Commands.Tool;

/// <summary>
/// <c>choria tool status</c>: health check of a server's status file (docs/server.md behaviour). One line on
/// stdout, <c>FILE OK</c> with exit 0, or <c>FILE reason</c> with exit 1.
/// </summary>
public static class ToolStatusCommand
{
    public static Command Create()
    {
        var file = new Option<string>("--status-file") { Description = "The server status file to check", Required = true };
        var disconnected = new Option<bool>("--disconnected")
        {
            Description = "Checks if the server is connected to a broker (disable with --no-disconnected)",
            DefaultValueFactory = _ => true,
            Arity = ArgumentArity.ZeroOrOne,
        };
        var noDisconnected = new Option<bool>("--no-disconnected") { Description = "Do not check the broker connection" };
        var messageSince = new Option<string>("--message-since")
        {
            Description = "Maximum time since the last message was received; 0 disables",
            DefaultValueFactory = _ => "1h",
        };
        var maxAge = new Option<string>("--max-age")
        {
            Description = "Maximum age of the status file; 0 disables",
            DefaultValueFactory = _ => "30m",
        };

        var cmd = new Command("status", "Checks the health of a running Choria instance based on its status file");
        cmd.Options.Add(file);
        cmd.Options.Add(disconnected);
        cmd.Options.Add(noDisconnected);
        cmd.Options.Add(messageSince);
        cmd.Options.Add(maxAge);
        cmd.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var stderr = parse.InvocationConfiguration.Error;
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                // The CLI parse-error format: existing-file flags fail like any other parse error.
                stderr.WriteLine($"choria: error: path '{path}' does not exist, try --help");
                return 1;
            }

            if (!TryDuration(parse.GetValue(messageSince)!, out var since) || !TryDuration(parse.GetValue(maxAge)!, out var age))
            {
                stderr.WriteLine("choria: error: invalid duration for --message-since or --max-age, try --help");
                return 1;
            }

            var check = new StatusCheck
            {
                Path = path,
                CheckConnected = parse.GetValue(disconnected) && !parse.GetValue(noDisconnected),
                MessageSince = since,
                MaxAge = age,
            };
            var failure = check.Evaluate(TimeProvider.System.GetUtcNow(), TimeZoneInfo.Local);
            parse.InvocationConfiguration.Output.WriteLine(failure is null ? $"{path} OK" : $"{path} {failure}");
            return failure is null ? 0 : 1;
        });
        return cmd;
    }

    private static bool TryDuration(string text, out TimeSpan value) => ValueParser.TryParseDuration(text, out value) && value >= TimeSpan.Zero;
}

/// <summary>The 2020 checks in order; <see cref="Evaluate"/> returns the first failure or null.</summary>
internal sealed record StatusCheck
{
    public required string Path { get; init; }

    public bool CheckConnected { get; init; } = true;

    public TimeSpan MessageSince { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(30);

    public string? Evaluate(DateTimeOffset now, TimeZoneInfo zone)
    {
        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{Path} could not be read: {ReadError(e)}";
        }

        if (!StatusFileReader.TryRead(raw, out var connectedServer, out var lastMessage, out var parseError))
        {
            return $"{Path} could not be parsed: {parseError}";
        }

        if (MaxAge > TimeSpan.Zero && new DateTimeOffset(File.GetLastWriteTimeUtc(Path)) < now - MaxAge)
        {
            return $"older than {GoFormat.Duration(MaxAge)}";
        }

        if (CheckConnected && connectedServer.Length == 0)
        {
            return "connection check failed: not connected";
        }

        if (MessageSince > TimeSpan.Zero)
        {
            var last = DateTimeOffset.FromUnixTimeSeconds(lastMessage);
            if (last < now - MessageSince)
            {
                return $"no recent messages: last message at {GoFormat.Time(last, zone)}";
            }
        }

        return null;
    }

    private string ReadError(Exception e) => e switch
    {
        UnauthorizedAccessException when Directory.Exists(Path) => $"read {Path}: is a directory",
        UnauthorizedAccessException => $"open {Path}: permission denied",
        _ => e.Message,
    };
}
