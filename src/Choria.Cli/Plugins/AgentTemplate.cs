using System.Globalization;
using System.Text;

namespace Choria.Cli.Plugins;

/// <summary>The files of a new agent plugin project (<c>choria tool generate agent</c>, docs/plugins.md).</summary>
internal sealed record AgentTemplate(string Agent, string Namespace, string SdkReference, bool CentralVersions)
{
    public const string SdkVersion = "1.0.0";

    /// <summary><c>my_agent</c> → <c>MyAgent</c>.</summary>
    public string ClassPrefix => string.Concat(Agent.Split('_', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => char.ToUpper(p[0], CultureInfo.InvariantCulture) + p[1..]));

    public static bool IsValidAgentName(string name) =>
        name.Length > 0 && char.IsAsciiLetterLower(name[0]) && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    /// <summary>Relative path → content.</summary>
    public IReadOnlyList<(string Path, string Content)> Files() =>
    [
        ($"{Namespace}.csproj", Project()),
        ("ChoriaPlugin.cs", Entry()),
        ($"{ClassPrefix}Agent.cs", AgentClass()),
        ($"{Agent}.json", Ddl()),
        ($"tests/{Namespace}.Tests.csproj", TestProject()),
        ($"tests/{ClassPrefix}AgentTests.cs", Tests()),
    ];

    private string Version(string version) => CentralVersions ? "" : $" Version=\"{version}\"";

    private string Project() => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <RootNamespace>{Namespace}</RootNamespace>
            <!-- The agent is compiled into the Native AOT choria binary: let the analyzers flag what would break it. -->
            <IsAotCompatible>true</IsAotCompatible>
            <Version>0.1.0</Version>
          </PropertyGroup>
          <ItemGroup>
            <Compile Remove="tests/**" />
            <EmbeddedResource Include="{Agent}.json" />
            {SdkReference}
          </ItemGroup>
        </Project>

        """;

    private string Entry() => $$"""
        using Choria.Sdk;

        namespace {{Namespace}};

        /// <summary>The entry class the choria build looks for: &lt;root namespace&gt;.ChoriaPlugin.</summary>
        public sealed class ChoriaPlugin() : AgentPlugin("{{Agent}}", "0.1.0", context => new {{ClassPrefix}}Agent(context));

        """;

    private string AgentClass() => $$"""
        using System.Text.Json.Nodes;
        using Choria.Sdk;
        using Microsoft.Extensions.Logging;

        namespace {{Namespace}};

        /// <summary>The {{Agent}} agent: its DDL ({{Agent}}.json) is embedded, so the server validates inputs and fills output defaults.</summary>
        public sealed partial class {{ClassPrefix}}Agent(IAgentContext context) : Agent(context)
        {
            private static readonly string s_ddl = ReadEmbeddedDdl(typeof({{ClassPrefix}}Agent).Assembly, "{{Agent}}.json");

            public override AgentInfo Info { get; } = new() { Name = "{{Agent}}", Version = "0.1.0", Timeout = 10 };

            public override string DdlJson => s_ddl;

            public override void RegisterActions(ActionMap actions)
            {
                ArgumentNullException.ThrowIfNull(actions);
                actions.Add("echo", EchoAsync);
            }

            private ValueTask<ActionResult> EchoAsync(ActionRequest request, CancellationToken cancellationToken)
            {
                var message = request.GetString("message") ?? "";
                LogEcho(Context.Logger, request.CallerId, message.Length);
                return ValueTask.FromResult(ActionResult.Ok(new JsonObject
                {
                    ["message"] = message,
                    ["identity"] = Context.Identity,
                    // plugin.{{Agent}}.prefix in the server configuration.
                    ["prefix"] = Context.Config("prefix") ?? "",
                }));
            }

            [LoggerMessage(Level = LogLevel.Information, Message = "echo for {CallerId}: {Length} characters")]
            private static partial void LogEcho(ILogger logger, string callerId, int length);
        }

        """;

    private string Ddl() => $$"""
        {
          "$schema": "https://choria.io/schemas/mcorpc/ddl/v1/agent.json",
          "metadata": {
            "name": "{{Agent}}",
            "description": "The {{Agent}} agent",
            "author": "you@example.net",
            "license": "Apache-2.0",
            "version": "0.1.0",
            "url": "https://example.net",
            "timeout": 10
          },
          "actions": [
            {
              "action": "echo",
              "description": "Returns the message it was sent",
              "display": "always",
              "input": {
                "message": {
                  "prompt": "Message",
                  "description": "The message to return",
                  "type": "string",
                  "validation": ".",
                  "maxlength": 256,
                  "optional": false
                }
              },
              "output": {
                "message": { "description": "The message", "display_as": "Message", "type": "string" },
                "identity": { "description": "The node that answered", "display_as": "Identity", "type": "string" },
                "prefix": { "description": "plugin.{{Agent}}.prefix", "display_as": "Prefix", "type": "string", "default": "" }
              }
            }
          ]
        }

        """;

    private string TestProject() => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <IsPackable>false</IsPackable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Microsoft.NET.Test.Sdk"{Version("18.0.1")} />
            <PackageReference Include="xunit"{Version("2.9.3")} />
            <PackageReference Include="xunit.runner.visualstudio"{Version("3.1.5")} />
            <ProjectReference Include="../{Namespace}.csproj" />
          </ItemGroup>
        </Project>

        """;

    private string Tests() => $$""""
        using System.Text.Json;
        using Choria.Sdk;
        using Microsoft.Extensions.Logging;
        using Microsoft.Extensions.Logging.Abstractions;
        using Xunit;

        namespace {{Namespace}}.Tests;

        public class {{ClassPrefix}}AgentTests
        {
            [Fact]
            public async Task Echo_returns_the_message_and_the_identity()
            {
                var agent = new ChoriaPlugin().PluginInstance is AgentFactory factory ? factory(new Context()) : throw new InvalidOperationException("not an agent plugin");
                var actions = new ActionMap();
                agent.RegisterActions(actions);

                var result = await actions.Actions["echo"](Request("""{"message":"hello"}"""), CancellationToken.None);

                Assert.Equal(ReplyStatus.OK, result.Status);
                Assert.Equal("hello", (string?)result.Data["message"]);
                Assert.Equal("test.example.net", (string?)result.Data["identity"]);
            }

            private static ActionRequest Request(string data) => new()
            {
                Agent = "{{Agent}}",
                Action = "echo",
                Data = JsonDocument.Parse(data).RootElement,
                CallerId = "choria=test",
                SenderId = "test.example.net",
                RequestId = "1",
                Collective = "mcollective",
                Time = DateTimeOffset.UtcNow,
            };

            private sealed class Context : IAgentContext
            {
                public string Identity => "test.example.net";

                public string ServerVersion => "0.0.0";

                public JsonElement Facts => JsonDocument.Parse("{}").RootElement;

                public ILogger Logger => NullLogger.Instance;

                public TimeProvider Clock => TimeProvider.System;

                public string? Config(string key) => null;
            }
        }

        """";

    /// <summary>The SDK reference: the in-tree project when <paramref name="sdkProject"/> is known, else the NuGet package.</summary>
    public static string SdkReferenceFor(string projectDir, string? sdkProject, bool centralVersions)
    {
        if (sdkProject is not null)
        {
            return $"<ProjectReference Include=\"{Path.GetRelativePath(projectDir, sdkProject)}\" />";
        }

        var sb = new StringBuilder("<PackageReference Include=\"Choria.Sdk\"");
        sb.Append(centralVersions ? $" VersionOverride=\"{SdkVersion}\"" : $" Version=\"{SdkVersion}\"").Append(" />");
        return sb.ToString();
    }
}
