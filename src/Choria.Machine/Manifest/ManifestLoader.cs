using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Choria.Config.Settings;
using Choria.Machine.Watchers;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Choria.Machine.Manifest;

/// <summary>
/// Reads <c>machine.yaml</c> into a <see cref="MachineManifest"/> and validates it (docs/machines.md, "Manifest"):
/// the 2020 loader's rules plus the JSON schema's name and version patterns, and every watcher's properties through
/// its kind. The <c>strict</c> flag adds the schema's remaining patterns (durations like <c>10s</c>, environment
/// entries) as <c>choria machine validate</c> checks them.
/// </summary>
public static partial class ManifestLoader
{
    public const string FileName = "machine.yaml";

    /// <summary>A manifest larger than this is refused before parsing; real ones are a few KiB.</summary>
    public const int MaxManifestBytes = 1024 * 1024;

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9_-]+$")]
    private static partial Regex GenericName();

    [GeneratedRegex(@"^\d+\.\d+\.\d+$")]
    private static partial Regex SemVer();

    [GeneratedRegex(@"^\d+[hms]$")]
    private static partial Regex SchemaDuration();

    [GeneratedRegex("^[a-zA-Z_]+[a-zA-Z0-9_]*=.+")]
    private static partial Regex EnvironmentVariable();

    /// <summary>SHA-256 of the manifest file, lower-case hex: the store reloads a machine when this changes.</summary>
    public static string Hash(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Loads <c>DIR/machine.yaml</c>; throws <see cref="ManifestException"/> listing every problem.</summary>
    public static MachineManifest LoadDirectory(string directory, bool strict = false)
    {
        var path = Path.Combine(directory, FileName);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ManifestException($"{path} does not exist");
        }

        if (info.Length > MaxManifestBytes)
        {
            throw new ManifestException($"{path} is {info.Length} bytes, more than the {MaxManifestBytes} allowed");
        }

        return Parse(File.ReadAllText(path), strict);
    }

    public static MachineManifest Parse(string yaml, bool strict = false)
    {
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using var reader = new StringReader(yaml);
            stream.Load(reader);
            root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode map
                ? map
                : throw new ManifestException("the manifest is not a YAML map");
        }
        catch (YamlException e)
        {
            throw new ManifestException($"the manifest is not valid YAML: {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet reports some broken documents (found by fuzzing) this way instead of as a YamlException.
            throw new ManifestException($"the manifest is not valid YAML: {e.Message}", e);
        }

        var errors = new List<string>();
        var reader2 = new NodeReader(root, "", errors);
        var name = reader2.Scalar("name");
        var manifest = new MachineManifest
        {
            Name = name,
            Version = reader2.Scalar("version"),
            InitialState = reader2.Scalar("initial_state"),
            SplayStart = reader2.Int("splay_start"),
            Transitions = [.. reader2.Maps("transitions").Select((t, i) => ReadTransition(new NodeReader(t, $"transitions[{i}].", errors)))],
            Watchers = [.. reader2.Maps("watchers").Select((w, i) => ReadWatcher(new NodeReader(w, $"watchers[{i}].", errors)))],
        };

        Validate(manifest, strict, errors, root);
        if (errors.Count > 0)
        {
            throw new ManifestException(name.Length > 0 ? name : "(unnamed)", errors);
        }

        return manifest;
    }

    private static TransitionSpec ReadTransition(NodeReader r) =>
        new(r.Scalar("name"), r.Scalars("from"), r.Scalar("destination"), r.Scalar("description"));

    private static WatcherSpec ReadWatcher(NodeReader r)
    {
        var name = r.Scalar("name");
        return new WatcherSpec
        {
            Name = name,
            Type = r.Scalar("type"),
            StateMatch = r.Scalars("state_match"),
            FailTransition = r.Scalar("fail_transition"),
            SuccessTransition = r.Scalar("success_transition"),
            Interval = r.Duration("interval"),
            AnnounceInterval = r.Duration("announce_interval"),
            Properties = new WatcherProperties(name, r.Map("properties")),
        };
    }

    private static void Validate(MachineManifest m, bool strict, List<string> errors, YamlMappingNode root)
    {
        Require(m.Name, "name", errors);
        Require(m.Version, "version", errors);
        Require(m.InitialState, "initial_state", errors);
        if (m.Version.Length > 0 && !SemVer().IsMatch(m.Version))
        {
            errors.Add($"version '{m.Version}' is not a semantic version like 1.0.0");
        }

        CheckName(m.Name, "name", errors);
        CheckName(m.InitialState, "initial_state", errors);
        if (m.Transitions.Count == 0)
        {
            errors.Add("no transitions defined");
        }

        if (m.Watchers.Count == 0)
        {
            errors.Add("no watchers defined");
        }

        var states = m.States().ToHashSet(StringComparer.Ordinal);
        var events = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (t, i) in m.Transitions.Select((t, i) => (t, i)))
        {
            CheckName(t.Name, $"transitions[{i}].name", errors);
            CheckName(t.Destination, $"transitions[{i}].destination", errors);
            if (t.From.Count == 0)
            {
                errors.Add($"transition {t.Name} has no from states");
            }

            foreach (var from in t.From)
            {
                CheckName(from, $"transitions[{i}].from", errors);
            }

            if (t.Name.Length > 0 && !events.Add(t.Name))
            {
                errors.Add($"transition {t.Name} is defined more than once");
            }
        }

        var watcherNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (w, i) in m.Watchers.Select((w, i) => (w, i)))
        {
            CheckName(w.Name, $"watchers[{i}].name", errors);
            if (w.Name.Length > 0 && !watcherNames.Add(w.Name))
            {
                errors.Add($"watcher {w.Name} is defined more than once");
            }

            foreach (var s in w.StateMatch.Where(s => !states.Contains(s)))
            {
                errors.Add($"invalid state {s} in state match for watcher {w.Name}");
            }

            if (w.FailTransition.Length > 0 && !events.Contains(w.FailTransition))
            {
                errors.Add($"invalid fail_transition {w.FailTransition} specified in watcher {w.Name}");
            }

            if (w.SuccessTransition.Length > 0 && !events.Contains(w.SuccessTransition))
            {
                errors.Add($"invalid success_transition {w.SuccessTransition} specified in watcher {w.Name}");
            }

            if (w.AnnounceInterval is { } ai && ai < TimeSpan.FromMinutes(1))
            {
                errors.Add($"announce_interval of watcher {w.Name} is {ai.TotalSeconds}s, it must be at least 1m");
            }

            if (WatcherKinds.Find(w.Type) is not { } kind)
            {
                errors.Add($"watcher {w.Name} has unknown type '{w.Type}', known types are {string.Join(", ", WatcherKinds.Types)}");
            }
            else
            {
                try
                {
                    kind.Check(w);
                }
                catch (ManifestException e)
                {
                    errors.Add(e.Message);
                }
            }
        }

        if (strict)
        {
            StrictChecks(root, errors);
        }
    }

    /// <summary>The JSON schema's duration and environment patterns, stricter than what the loader accepts.</summary>
    private static void StrictChecks(YamlMappingNode root, List<string> errors)
    {
        var watchers = root.Children.TryGetValue(new YamlScalarNode("watchers"), out var w) && w is YamlSequenceNode seq ? seq : null;
        foreach (var (watcher, i) in (watchers?.Children ?? []).OfType<YamlMappingNode>().Select((x, i) => (x, i)))
        {
            foreach (var key in new[] { "interval", "announce_interval" })
            {
                CheckSchemaDuration(watcher, key, $"watchers[{i}].{key}", errors);
            }

            if (watcher.Children.TryGetValue(new YamlScalarNode("properties"), out var p) && p is YamlMappingNode props)
            {
                foreach (var key in new[] { "timeout", "duration", "timer", "governor_timeout", "start_splay", "last_message", "pubcert_expire", "token_expire" })
                {
                    CheckSchemaDuration(props, key, $"watchers[{i}].properties.{key}", errors);
                }

                if (props.Children.TryGetValue(new YamlScalarNode("environment"), out var env) && env is YamlSequenceNode vars)
                {
                    foreach (var v in vars.Children.OfType<YamlScalarNode>().Where(v => !EnvironmentVariable().IsMatch(v.Value ?? "")))
                    {
                        errors.Add($"watchers[{i}].properties.environment: '{v.Value}' is not of the form VAR=VALUE");
                    }
                }
            }
        }
    }

    private static void CheckSchemaDuration(YamlMappingNode map, string key, string field, List<string> errors)
    {
        if (map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { } text } && !SchemaDuration().IsMatch(text))
        {
            errors.Add($"{field}: '{text}' does not match ^\\d+[hms]$");
        }
    }

    private static void Require(string value, string field, List<string> errors)
    {
        if (value.Length == 0)
        {
            errors.Add($"{field} is required");
        }
    }

    private static void CheckName(string value, string field, List<string> errors)
    {
        if (value.Length > 0 && !GenericName().IsMatch(value))
        {
            errors.Add($"{field} '{value}' must match ^[a-zA-Z][a-zA-Z0-9_-]+$");
        }
    }

    /// <summary>Reads one YAML map, adding a field-named error for each value of the wrong shape.</summary>
    private sealed class NodeReader(YamlMappingNode map, string prefix, List<string> errors)
    {
        private YamlNode? Get(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

        public string Scalar(string key)
        {
            switch (Get(key))
            {
                case null:
                    return "";
                case YamlScalarNode s:
                    return s.Value ?? "";
                default:
                    errors.Add($"{prefix}{key} must be a string");
                    return "";
            }
        }

        public int Int(string key)
        {
            var text = Scalar(key);
            if (text.Length == 0)
            {
                return 0;
            }

            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }

            errors.Add($"{prefix}{key} '{text}' is not a whole number of seconds");
            return 0;
        }

        public TimeSpan? Duration(string key)
        {
            var text = Scalar(key);
            if (text.Length == 0)
            {
                return null;
            }

            if (ValueParser.TryParseDuration(text, out var d) && d >= TimeSpan.Zero)
            {
                return d;
            }

            errors.Add($"{prefix}{key} '{text}' is not a valid duration");
            return null;
        }

        public IReadOnlyList<string> Scalars(string key)
        {
            switch (Get(key))
            {
                case null:
                    return [];
                case YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode):
                    return [.. seq.Children.Cast<YamlScalarNode>().Select(s => s.Value ?? "")];
                default:
                    errors.Add($"{prefix}{key} must be a list of names");
                    return [];
            }
        }

        public IEnumerable<YamlMappingNode> Maps(string key)
        {
            switch (Get(key))
            {
                case null:
                    return [];
                case YamlSequenceNode seq when seq.Children.All(c => c is YamlMappingNode):
                    return seq.Children.Cast<YamlMappingNode>();
                default:
                    errors.Add($"{prefix}{key} must be a list of maps");
                    return [];
            }
        }

        public Dictionary<string, YamlNode> Map(string key)
        {
            var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            switch (Get(key))
            {
                case null:
                    break;
                case YamlMappingNode m:
                    foreach (var (k, v) in m.Children)
                    {
                        if (k is YamlScalarNode { Value: { } name })
                        {
                            result[name] = v;
                        }
                    }

                    break;
                default:
                    errors.Add($"{prefix}{key} must be a map");
                    break;
            }

            return result;
        }
    }
}
