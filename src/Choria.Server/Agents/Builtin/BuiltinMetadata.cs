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

    public static AgentDdl Ddl(string name) =>
        DdlLoader.LoadBuiltin(name).Ddl ?? throw new InvalidOperationException($"built-in DDL {name} is missing or invalid");
}
