using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Choria.Provisioner;

/// <summary>
/// Runs the provisioning helper (docs/provisioning.md): any executable, given one JSON document on stdin and expected
/// to print one on stdout.
/// </summary>
public static class HelperRunner
{
    /// <summary>The stdin document: identity, CSR reply, inventory and JWT claims of the node.</summary>
    public static byte[] Request(string identity, JsonElement? csr, JsonElement? inventory, string jwt, JsonElement? claims)
    {
        var doc = new JsonObject
        {
            ["identity"] = identity,
            ["csr"] = csr is { } c ? JsonNode.Parse(c.GetRawText()) : null,
            ["inventory"] = inventory is { } i ? JsonNode.Parse(i.GetRawText()) : null,
            ["jwt"] = jwt,
            ["jwt_claims"] = claims is { } j ? JsonNode.Parse(j.GetRawText()) : null,
        };
        return Encoding.UTF8.GetBytes(doc.ToJsonString());
    }

    public static async Task<HelperResult> RunAsync(string helper, byte[] input, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(helper)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new HelperException("helper_failed", $"could not start helper {helper}: {e.Message}");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(input, deadline.Token);
            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token);
            await Task.WhenAll(stdout, stderr);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new HelperException("helper_failed", $"helper {helper} did not finish within {timeout.TotalSeconds}s");
        }
        catch (IOException e)
        {
            // The helper exited without reading its input.
            await process.WaitForExitAsync(cancellationToken);
            throw new HelperException("helper_failed", $"helper {helper} exited with code {process.ExitCode} before reading its input: {e.Message}");
        }

        if (process.ExitCode != 0)
        {
            throw new HelperException("helper_failed", $"helper {helper} exited with code {process.ExitCode}: {Tail(await stderr)}");
        }

        return Parse(await stdout);
    }

    /// <summary>The helper's answer; a refusal (<c>defer</c>) or anything but a usable document throws.</summary>
    public static HelperResult Parse(string output)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(output);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new HelperException("helper_invalid", $"helper output is not JSON: {e.Message}");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new HelperException("helper_invalid", "helper output is not a JSON object");
        }

        if (root.TryGetProperty("defer", out var defer) && defer.ValueKind == JsonValueKind.True)
        {
            var msg = root.TryGetProperty("msg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : "";
            throw new HelperException("helper_refused", $"helper refused to provision the node: {(string.IsNullOrEmpty(msg) ? "no reason given" : msg)}");
        }

        if (!root.TryGetProperty("configuration", out var config) || config.ValueKind != JsonValueKind.Object)
        {
            throw new HelperException("helper_invalid", "helper output has no configuration object");
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in config.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                throw new HelperException("helper_invalid", $"helper configuration setting {p.Name} is not a string");
            }

            settings[p.Name] = p.Value.GetString()!;
        }

        if (settings.Count == 0)
        {
            throw new HelperException("helper_invalid", "helper returned an empty configuration");
        }

        return new HelperResult
        {
            Configuration = settings,
            Certificate = Str(root, "certificate"),
            Ca = Str(root, "ca"),
            SslDir = Str(root, "ssldir"),
        };
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static string Tail(string text)
    {
        text = text.Trim();
        return text.Length <= 500 ? text : "..." + text[^500..];
    }
}
