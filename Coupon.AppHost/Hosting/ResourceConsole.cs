namespace Coupon.AppHost.Hosting;

// The AppHost's console: child output prefixed with the resource name (coloured on a terminal),
// the AppHost's own messages, and the resource table.
public sealed class ResourceConsole
{
    private static readonly string[] Colours = ["\e[36m", "\e[33m", "\e[35m", "\e[32m", "\e[34m", "\e[96m", "\e[93m", "\e[95m"];
    private const string Reset = "\e[0m";
    private const string Bold = "\e[1m";
    private const string Red = "\e[31m";

    private readonly bool _colour = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
    private readonly Dictionary<string, string> _colourOf = [];
    private readonly int _width;

    public ResourceConsole(IEnumerable<string> resourceNames)
    {
        var names = resourceNames.ToList();
        _width = names.Append("apphost").Max(name => name.Length);
        for (var i = 0; i < names.Count; i++)
        {
            _colourOf[names[i]] = Colours[i % Colours.Length];
        }
    }

    public void Output(string resource, string line)
    {
        var name = resource.PadRight(_width);
        var colour = _colourOf.GetValueOrDefault(resource, Colours[^1]);
        Console.Out.WriteLine(_colour ? $"{colour}{name} |{Reset} {line}" : $"{name} | {line}");
    }

    public void Info(string message) => Output("apphost", message);

    public void Error(string message) =>
        Console.Out.WriteLine(_colour ? $"{Red}{"apphost".PadRight(_width)} | {message}{Reset}" : $"{"apphost".PadRight(_width)} | {message}");

    public void Table(IEnumerable<(string Name, string Type, string State, string Endpoint)> rows)
    {
        var all = rows.ToList();
        var header = ("resource", "type", "state", "endpoint");
        var nameWidth = all.Select(r => r.Name.Length).Append(header.Item1.Length).Max();
        var typeWidth = all.Select(r => r.Type.Length).Append(header.Item2.Length).Max();
        var stateWidth = all.Select(r => r.State.Length).Append(header.Item3.Length).Max();
        string Row((string Name, string Type, string State, string Endpoint) r) =>
            $"  {r.Name.PadRight(nameWidth)}  {r.Type.PadRight(typeWidth)}  {r.State.PadRight(stateWidth)}  {r.Endpoint}";
        Console.Out.WriteLine();
        Console.Out.WriteLine(_colour ? $"{Bold}{Row(header)}{Reset}" : Row(header));
        foreach (var row in all)
        {
            Console.Out.WriteLine(Row(row));
        }
        Console.Out.WriteLine();
    }

    public void Highlight(string message) =>
        Console.Out.WriteLine(_colour ? $"{Bold}{message}{Reset}" : message);
}
