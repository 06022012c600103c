namespace Choria.Sdk;

/// <summary>
/// An mcorpc agent. The server runs the SimpleRPC steps around each action: it authorizes and audits the request,
/// validates inputs against the DDL and fills DDL output defaults; an exception becomes a status 5 reply.
/// </summary>
public abstract class Agent(IAgentContext context)
{
    public IAgentContext Context { get; } = context;

    public abstract AgentInfo Info { get; }

    /// <summary>The agent's JSON DDL (the <c>choria/ddl/v1/agent</c> format), or null to run without one.</summary>
    public virtual string? DdlJson => null;

    /// <summary>Adds every action; called once after construction.</summary>
    public abstract void RegisterActions(ActionMap actions);

    /// <summary>Reads a JSON DDL embedded in <paramref name="assembly"/> as a resource whose name ends with <paramref name="fileName"/>.</summary>
    protected static string ReadEmbeddedDdl(System.Reflection.Assembly assembly, string fileName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var resource = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(fileName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"embedded DDL {fileName} not found in {assembly.GetName().Name}");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
