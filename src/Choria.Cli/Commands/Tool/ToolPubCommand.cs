using System.CommandLine;
using Choria.Cli.Hosting;
using Choria.Connector;

namespace Choria.Cli.Commands.Tool;

/// <summary>
/// <c>choria tool pub SUBJECT [--input FILE]</c>: publishes the bytes of FILE, or of a redirected stdin, to a
/// NATS subject unchanged (docs/cli-tools.md).
/// </summary>
public static class ToolPubCommand
{
    public static Command Create()
    {
        var subject = new Argument<string>("subject") { Description = "The subject to publish to" };
        var input = new Option<FileInfo>("--input") { Description = "File to publish, stdin when not given" };
        var reply = new Option<string?>("--reply") { Description = "Reply subject to set on the message" };
        var connectTimeout = RawNats.ConnectTimeoutOption();

        var cmd = new Command("pub", "Publish to middleware topics");
        cmd.Arguments.Add(subject);
        cmd.Options.Add(input);
        cmd.Options.Add(reply);
        cmd.Options.Add(connectTimeout);
        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(parse, async ct2 =>
        {
            var topic = parse.GetValue(subject)!;
            // Read before connecting so bad input fails fast and never waits on a broker.
            var data = await ReadInputAsync(parse.GetValue(input), ct2);
            if (data.Length == 0)
            {
                throw new InvalidOperationException("read 0 bytes from input");
            }

            using var framework = await CliRuntime.ClientFrameworkAsync(parse, ct2);
            await using var connection = await RawNats.ConnectAsync(framework, RawNats.ValueOr(parse, connectTimeout, RawNats.DefaultConnectTimeout), ct2);
            var result = await connection.PublishAsync(topic, data, parse.GetValue(reply), ct2);
            if (result != PublishResult.Published)
            {
                throw new InvalidOperationException($"could not publish to {topic}: {result}");
            }

            await connection.FlushAsync(ct2);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Published {data.Length} bytes to {topic} on {connection.ConnectedServerUrl}");
            return 0;
        }, ct));
        return cmd;
    }

    private static async Task<byte[]> ReadInputAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        if (file is not null)
        {
            if (!file.Exists)
            {
                throw new FileNotFoundException($"input file {file.FullName} does not exist");
            }

            return await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        }

        // An interactive terminal would block forever waiting for input nobody knows is expected.
        if (!Console.IsInputRedirected)
        {
            throw new InvalidOperationException("nothing to publish: pass --input FILE or redirect the message to stdin");
        }

        await using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        await stdin.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
