using System.Collections.Concurrent;
using Choria.Ddl;

namespace Choria.Server.Agents.Builtin;

internal static class BuiltinMetadata
{
    public static AgentMetadata Create(string name, string description, int timeout, string version) => new()
    {
        Name = name,
        Description = description,
        Timeout = timeout,
        Version = version,
        License = "Apache-2.0",
        Author = "R.I.Pienaar <rip@devco.net>",
        Url = "http://choria.io",
    };

    // The embedded DDLs never change and are only read: parse each once per process rather than once per
    // server instance (the fleet emulator runs thousands of instances in one process).
    private static readonly ConcurrentDictionary<string, Lazy<AgentDdl>> s_parsed = new(StringComparer.Ordinal);

    public static AgentDdl Ddl(string name) => s_parsed.GetOrAdd(name, n => new Lazy<AgentDdl>(() =>
        DdlLoader.LoadBuiltin(n).Ddl ?? throw new InvalidOperationException($"built-in DDL {n} is missing or invalid"))).Value;
}
