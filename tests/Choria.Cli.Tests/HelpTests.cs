using System.CommandLine;

namespace Choria.Cli.Tests;

/// <summary><c>--help</c> works everywhere in the command tree and lists what is below each command.</summary>
public class HelpTests
{
    // Spelled out rather than read from the tree so a command dropped from ChoriaApp fails here.
    private static readonly string[] s_topLevelCommands =
        ["broker", "buildinfo", "discover", "enroll", "facts", "inventory", "machine", "ping", "provisioner", "req", "server", "tool"];

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = ChoriaApp.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        void Walk(Command command, string path)
        {
            foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
            {
                var subPath = path.Length == 0 ? sub.Name : path + " " + sub.Name;
                data.Add(subPath);
                Walk(sub, subPath);
            }
        }

        Walk(ChoriaApp.BuildRoot(), "");
        return data;
    }

    [Fact]
    public void Root_help_lists_every_command_and_the_global_options()
    {
        var (code, stdout, stderr) = Run("--help");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        var commands = Section(stdout, "Commands:");
        foreach (var name in s_topLevelCommands)
        {
            Assert.True(Lists(commands, name), $"root help does not list {name}:\n{stdout}");
        }

        Assert.Contains("--config", stdout, StringComparison.Ordinal);
        Assert.Contains("--debug", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_tree_has_the_top_level_commands()
    {
        Assert.Equal(s_topLevelCommands, ChoriaApp.BuildRoot().Subcommands.Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void Every_subcommand_help_works_and_lists_its_own_subcommands(string path)
    {
        var words = path.Split(' ');
        var (code, stdout, stderr) = Run([.. words, "--help"]);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains("choria " + path, stdout.Replace("testhost", "choria", StringComparison.Ordinal), StringComparison.Ordinal);

        var command = Find(words);
        if (!string.IsNullOrEmpty(command.Description))
        {
            Assert.Contains(command.Description.Split('\n')[0].Trim(), stdout, StringComparison.Ordinal);
        }

        var listed = Section(stdout, "Commands:");
        foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
        {
            Assert.True(Lists(listed, sub.Name), $"help of {path} does not list {sub.Name}:\n{stdout}");
        }
    }

    private static Command Find(string[] words)
    {
        Command command = ChoriaApp.BuildRoot();
        foreach (var word in words)
        {
            command = command.Subcommands.Single(c => c.Name == word);
        }

        return command;
    }

    /// <summary>A command line in help reads <c>name</c>, <c>name, alias</c> or <c>name &lt;arg&gt;</c>, then its description.</summary>
    /// <summary>True when a line's first column (a command and its aliases, e.g. <c>provision, provisioner</c>) names it.</summary>
    private static bool Lists(List<string> lines, string name) =>
        lines.Any(l => l.Split("  ")[0].Split(", ").Any(n => n == name || n.StartsWith(name + " ", StringComparison.Ordinal)));

    /// <summary>The trimmed lines of a help section such as <c>Commands:</c>, up to the next blank line.</summary>
    private static List<string> Section(string help, string heading)
    {
        var lines = help.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var start = Array.FindIndex(lines, l => l.Trim() == heading);
        return start < 0 ? [] : [.. lines.Skip(start + 1).TakeWhile(l => l.Trim().Length > 0).Select(l => l.Trim())];
    }
}
