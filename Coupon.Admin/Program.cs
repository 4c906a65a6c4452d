using Coupon.Admin;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAdminConsole();

var app = builder.Build();

app.UseAdminConsole();
app.MapDefaultEndpoints();

app.Run();
