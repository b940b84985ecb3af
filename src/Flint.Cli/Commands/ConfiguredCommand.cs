using System.CommandLine;
using Flint.Config;

namespace Flint.Cli.Commands;

/// <summary>
/// Builds a command from a settings record: every setting is an option (<c>--trainer.max-steps</c>) with its default
/// shown, plus <c>--config FILE.yaml</c> and <c>--print-config</c>. Values resolve defaults ← file ← flags, are validated
/// together, and are bound once into the record the job receives.
/// </summary>
internal static class ConfiguredCommand
{
    public static Command Create<TSpec>(string name, string description, Func<TSpec, int> run) where TSpec : new()
    {
        var schema = SpecBinder.SchemaOf<TSpec>();
        var command = new Command(name, description);
        var config = new Option<string>("--config") { Description = "A YAML file of settings (sections and keys as below); flags override it." };
        var print = new Option<bool>("--print-config") { Description = "Print the fully resolved configuration and exit." };
        command.Options.Add(config);
        command.Options.Add(print);
        var options = new List<(ConfigKey Key, Option<string> Option)>();
        foreach (var key in schema.Keys.Values)
        {
            var option = new Option<string>(key.Option)
            {
                Description = key.Description + (key.Default.Length > 0 ? $" [default: {key.Default}]" : ""),
                HelpName = key.Allowed is { } allowed ? string.Join("|", allowed.Where(a => a.Length > 0).Select(a => a.EndsWith(':') ? a + "N" : a)) : key.Type,
            };
            if (key.Alias is { } alias) option.Aliases.Add(alias);
            if (key.Type == "bool") option.Arity = ArgumentArity.ZeroOrOne; // a bare --flag means true
            command.Options.Add(option);
            options.Add((key, option));
        }
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var overrides = options.Where(o => parse.GetResult(o.Option) is { Implicit: false })
                .ToDictionary(o => o.Key.Name, o => parse.GetValue(o.Option) ?? (o.Key.Type == "bool" ? "true" : ""));
            var resolved = RunConfig.Resolve(schema, parse.GetValue(config), overrides);
            if (parse.GetValue(print))
            {
                Console.Write(resolved.ToYaml());
                return 0;
            }
            return run(SpecBinder.Bind<TSpec>(resolved));
        }));
        return command;
    }
}
