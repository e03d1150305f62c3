//! `speclint report`: the traceability matrix as Markdown (for a pull-request comment), one
//! self-contained HTML page, JSON or CSV.

use std::fmt::Write;

use clap::ValueEnum;

use crate::report::{Matrix, Place, TraceStatus};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
    Json,
    Csv,
}

pub fn render(matrix: &Matrix, format: ReportFormat) -> String {
    match format {
        ReportFormat::Markdown => markdown(matrix),
        ReportFormat::Html => html(matrix),
        ReportFormat::Json => {
            let mut text = serde_json::to_string_pretty(matrix).unwrap_or_default();
            text.push('\n');
            text
        }
        ReportFormat::Csv => csv(matrix),
    }
}

fn places(list: &[Place]) -> String {
    list.iter()
        .map(|place| match &place.label {
            Some(label) => format!("{}:{} ({label})", place.path, place.line),
            None => format!("{}:{}", place.path, place.line),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn status_icon(status: TraceStatus) -> &'static str {
    match status {
        TraceStatus::Covered => "✅",
        TraceStatus::Drifted => "❌",
        TraceStatus::MissingPrompt | TraceStatus::Untested => "⚠️",
        TraceStatus::Stale => "🕓",
        TraceStatus::Deprecated | TraceStatus::Draft => "➖",
    }
}

fn markdown(matrix: &Matrix) -> String {
    let summary = &matrix.summary;
    let mut output = format!(
        "## speclint traceability\n\n**{}%** of active requirements covered and in agreement: {} covered, {} drifted, {} stale, {} missing a prompt, {} untested ({} requirements, {} draft or deprecated).\n\n| Requirement | Status | Prompts | Eval cases | Text |\n|---|---|---|---|---|\n",
        summary.coverage_percent,
        summary.covered,
        summary.drifted,
        summary.stale,
        summary.missing_prompt,
        summary.untested,
        summary.requirements,
        summary.not_active
    );
    for row in &matrix.rows {
        let statuses: Vec<&str> = row.statuses.iter().map(|status| status.label()).collect();
        let _ = writeln!(
            output,
            "| `{}` ({}:{}) | {} {} | {} | {} | {} |",
            row.id,
            row.path,
            row.line,
            status_icon(row.status),
            statuses.join(", "),
            markdown_cell(&places(&row.prompts)),
            markdown_cell(&places(&row.eval_cases)),
            markdown_cell(&row.text)
        );
    }
    output.push_str(&markdown_adoption(matrix));
    output
}

/// A spec file's linked, with-a-prompt and with-an-eval counts, each as `n / total`.
fn adoption_cells(file: &crate::report::SpecFileAdoption) -> [String; 3] {
    [file.linked, file.with_prompt, file.with_eval]
        .map(|count| format!("{count} / {}", file.requirements))
}

/// Linked / total per spec file.
fn markdown_adoption(matrix: &Matrix) -> String {
    if matrix.spec_files.is_empty() {
        return String::new();
    }
    let mut output = String::from(
        "\n### Adoption per spec file\n\n| Spec file | Linked | With a prompt | With an eval |\n|---|---|---|---|\n",
    );
    for file in &matrix.spec_files {
        let [linked, with_prompt, with_eval] = adoption_cells(file);
        let _ = writeln!(
            output,
            "| {} | {linked} | {with_prompt} | {with_eval} |",
            markdown_cell(&file.path)
        );
    }
    output
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn csv(matrix: &Matrix) -> String {
    let mut output =
        String::from("id,path,line,status,statuses,modality,prompts,eval_cases,text\n");
    for row in &matrix.rows {
        let statuses: Vec<&str> = row.statuses.iter().map(|status| status.label()).collect();
        let _ = writeln!(
            output,
            "{},{},{},{},{},{},{},{},{}",
            csv_cell(&row.id),
            csv_cell(&row.path),
            row.line,
            row.status.label(),
            csv_cell(&statuses.join(";")),
            row.modality.unwrap_or(""),
            csv_cell(&places(&row.prompts)),
            csv_cell(&places(&row.eval_cases)),
            csv_cell(&row.text)
        );
    }
    output
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn place_links(list: &[Place]) -> String {
    if list.is_empty() {
        return "<span class=\"none\">none</span>".to_owned();
    }
    list.iter()
        .map(|place| {
            let label = place
                .label
                .as_ref()
                .map(|label| format!(" <small>{}</small>", escape(label)))
                .unwrap_or_default();
            format!(
                "<a href=\"{}#L{}\" title=\"{}:{}\">{}:{}</a>{label}",
                escape(&place.path),
                place.line,
                escape(&place.path),
                place.line,
                escape(&place.path),
                place.line
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

const HTML_STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328}h1{font-size:20px}#summary{display:flex;gap:24px;align-items:center;margin-bottom:16px}#controls{margin:12px 0;display:flex;gap:12px}table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:6px 8px;vertical-align:top;text-align:left}th{background:#f6f8fa;cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:' ▲'}th[aria-sort=descending]::after{content:' ▼'}.status{font-weight:600;white-space:nowrap}.covered{color:#1a7f37}.drifted{color:#cf222e}.stale{color:#9a6700}.missing-prompt,.untested{color:#bc4c00}.deprecated,.draft{color:#6e7781}.none{color:#6e7781}code{font-size:13px}small{color:#57606a}";

const HTML_SCRIPT: &str = r#"(function(){
  var table=document.getElementById('matrix');
  var body=table.tBodies[0];
  var rows=Array.prototype.slice.call(body.rows);
  var filter=document.getElementById('filter');
  var status=document.getElementById('status');
  function apply(){
    var text=filter.value.toLowerCase();
    var wanted=status.value;
    var shown=0;
    rows.forEach(function(row){
      var visible=(!text||row.textContent.toLowerCase().indexOf(text)>=0)&&(!wanted||row.getAttribute('data-statuses').split(' ').indexOf(wanted)>=0);
      row.style.display=visible?'':'none';
      if(visible){shown++;}
    });
    document.getElementById('shown').textContent=shown+' of '+rows.length+' requirements shown';
  }
  filter.addEventListener('input',apply);
  status.addEventListener('change',apply);
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(cell,column){
    cell.addEventListener('click',function(){
      var ascending=cell.getAttribute('aria-sort')!=='ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(other){other.removeAttribute('aria-sort');});
      cell.setAttribute('aria-sort',ascending?'ascending':'descending');
      rows.sort(function(a,b){
        var x=a.cells[column].getAttribute('data-sort')||a.cells[column].textContent;
        var y=b.cells[column].getAttribute('data-sort')||b.cells[column].textContent;
        var order=x.localeCompare(y,undefined,{numeric:true});
        return ascending?order:-order;
      });
      rows.forEach(function(row){body.appendChild(row);});
    });
  });
  apply();
  document.body.setAttribute('data-ready','true');
})();"#;

fn html(matrix: &Matrix) -> String {
    let summary = &matrix.summary;
    let mut adoption = String::new();
    if !matrix.spec_files.is_empty() {
        adoption.push_str("<h2>Adoption per spec file</h2>\n<table id=\"adoption\">\n<thead><tr><th>Spec file</th><th>Linked</th><th>With a prompt</th><th>With an eval</th></tr></thead>\n<tbody>\n");
        for file in &matrix.spec_files {
            let [linked, with_prompt, with_eval] = adoption_cells(file);
            let _ = writeln!(
                adoption,
                "<tr><td><code>{}</code></td><td>{linked}</td><td>{with_prompt}</td><td>{with_eval}</td></tr>",
                escape(&file.path)
            );
        }
        adoption.push_str("</tbody>\n</table>\n");
    }
    let segments = [
        ("covered", summary.covered, "#1a7f37"),
        ("drifted", summary.drifted, "#cf222e"),
        ("stale", summary.stale, "#9a6700"),
        ("missing prompt", summary.missing_prompt, "#bc4c00"),
        ("untested", summary.untested, "#fb8f44"),
        ("draft or deprecated", summary.not_active, "#8c959f"),
    ];
    let total: usize = segments
        .iter()
        .map(|(_, count, _)| count)
        .sum::<usize>()
        .max(1);
    let mut chart = String::from(
        "<svg id=\"chart\" width=\"320\" height=\"60\" role=\"img\" aria-label=\"requirements by status\">",
    );
    let mut x = 0.0;
    for (label, count, color) in segments {
        let width = 300.0 * count as f64 / total as f64;
        if count > 0 {
            let _ = write!(
                chart,
                "<rect x=\"{x:.1}\" y=\"8\" width=\"{width:.1}\" height=\"20\" fill=\"{color}\"><title>{label}: {count}</title></rect>"
            );
        }
        x += width;
    }
    let _ = write!(
        chart,
        "<text x=\"0\" y=\"48\" font-size=\"12\">{} requirements · {}% covered and in agreement</text></svg>",
        summary.requirements, summary.coverage_percent
    );
    let mut body = String::new();
    for row in &matrix.rows {
        let statuses: Vec<&str> = row.statuses.iter().map(|status| status.label()).collect();
        let classes: Vec<String> = row
            .statuses
            .iter()
            .map(|status| status.label().replace(' ', "-"))
            .collect();
        let _ = writeln!(
            body,
            "<tr data-statuses=\"{}\"><td data-sort=\"{}\"><code>{}</code><br><small><a href=\"{}#L{}\">{}:{}</a></small></td><td class=\"status {}\" data-sort=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            classes.join(" "),
            escape(&row.id),
            escape(&row.id),
            escape(&row.path),
            row.line,
            escape(&row.path),
            row.line,
            classes.first().map_or("", String::as_str),
            row.status as u8,
            escape(&statuses.join(", ")),
            row.modality.unwrap_or(""),
            place_links(&row.prompts),
            place_links(&row.eval_cases),
            escape(&row.text)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>speclint traceability</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n<h1>speclint traceability matrix</h1>\n<div id=\"summary\">{chart}<div>{} covered · {} drifted · {} stale · {} missing a prompt · {} untested · {} draft or deprecated</div></div>\n<div id=\"controls\"><input id=\"filter\" type=\"search\" placeholder=\"Filter by ID, text or file\" aria-label=\"filter\"><select id=\"status\" aria-label=\"status\"><option value=\"\">every status</option><option value=\"covered\">covered</option><option value=\"drifted\">drifted</option><option value=\"stale\">stale</option><option value=\"missing-prompt\">missing prompt</option><option value=\"untested\">untested</option><option value=\"deprecated\">deprecated</option><option value=\"draft\">draft</option></select><span id=\"shown\"></span></div>\n<table id=\"matrix\">\n<thead><tr><th>Requirement</th><th>Status</th><th>Modality</th><th>Prompts</th><th>Eval cases</th><th>Text</th></tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n{adoption}<script>{HTML_SCRIPT}</script>\n</body>\n</html>\n",
        summary.covered,
        summary.drifted,
        summary.stale,
        summary.missing_prompt,
        summary.untested,
        summary.not_active
    )
}
