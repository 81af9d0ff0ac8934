//! Tests of the run-table parser: whole-table, row and column errors; formats; the Epoch file;
//! properties (numbers round-trip exactly, arbitrary text never panics).

use super::*;

mod unit {
    use super::*;


    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn runs_of(text: &str) -> Runs {
        let table = parse_table(text).unwrap();
        let map = guess_columns(&table.headers);
        read_runs(&table, &map).unwrap()
    }

    #[test]
    fn compute_and_tokens_give_the_parameters() {
        let runs = runs_of("compute,tokens,loss\n6e18,1e9,3.1\n1.2e21,2e10,2.4\n");
        assert!(runs.n_derived && !runs.d_derived && !runs.c_derived);
        assert_eq!(runs.runs[0].n, 6e18 / (6.0 * 1e9));
        assert_eq!(runs.runs[1].n, 1.2e21 / (6.0 * 2e10));
        // Tokens alone are not enough: N is missing.
        let table = parse_table("tokens,loss\n1e9,3.1\n").unwrap();
        let e = read_runs(&table, &guess_columns(&table.headers)).unwrap_err();
        assert!(matches!(e, TableError::MissingColumn { role: Role::N, .. }), "{e}");
        // A derived N out of range is a row error naming both cells.
        let runs = runs_of("compute,tokens,loss\n1e-320,1e300,3.1\n6e18,1e9,3.1\n");
        assert_eq!(runs.runs.len(), 1);
        assert!(runs.bad_rows[0].message.contains("parameters derived as C/(6D)"), "{}", runs.bad_rows[0]);
    }

    #[test]
    fn epoch_file_reads_245_runs_with_derived_tokens() {
        let table = parse_table(crate::test_support::epoch_csv()).unwrap();
        assert_eq!(table.format, Format::Csv);
        assert_eq!(table.rows.len(), 245);
        let map = guess_columns(&table.headers);
        assert_eq!(table.headers.get(map.n.unwrap()).unwrap(), "Model Size");
        assert_eq!(table.headers.get(map.c.unwrap()).unwrap(), "Training FLOP");
        assert_eq!(table.headers.get(map.loss.unwrap()).unwrap(), "loss");
        assert_eq!((map.d, map.run), (None, None));
        let runs = read_runs(&table, &map).unwrap();
        assert_eq!(runs.runs.len(), 245);
        assert_eq!(runs.bad_row_count, 0);
        assert!(runs.d_derived && !runs.c_derived);
        let first = &runs.runs[0];
        assert_eq!(first.line, 2);
        assert_eq!(first.n, 6795600349.289497);
        assert_eq!(first.c, 9.993852799709755e18);
        assert_eq!(first.d, 9.993852799709755e18 / (6.0 * 6795600349.289497));
        assert_eq!(first.loss, 5.005581996196243);
        assert_eq!(first.run_id, None);
        assert_eq!(runs.runs[244].line, 246);
    }

    #[test]
    fn spreadsheet_paste_with_quantities_comments_and_blank_lines() {
        let text = "\n# my runs\r\nParams\tTokens\tLoss\tRun\t\r\n70M\t1.4B\t3.1\ta\t\r\n\r\n   # comment\r\n1.4B\t28B\t2.4\tb\t\r\n400M\t8T\tabc\tc\t\r\n";
        let table = parse_table(text).unwrap();
        assert_eq!(table.format, Format::Tsv);
        assert_eq!(table.headers, h(&["Params", "Tokens", "Loss", "Run"]));
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![4, 7, 8]
        );
        let map = guess_columns(&table.headers);
        let runs = read_runs(&table, &map).unwrap();
        assert!(runs.c_derived && !runs.d_derived);
        assert_eq!(runs.runs.len(), 2);
        assert_eq!(runs.runs[0].n, 70e6);
        assert_eq!(runs.runs[0].d, 1.4e9);
        assert_eq!(runs.runs[0].c, 6.0 * 70e6 * 1.4e9);
        assert_eq!(runs.runs[1].run_id.as_deref(), Some("b"));
        assert_eq!(runs.runs[1].line, 7);
        assert_eq!(runs.bad_rows.len(), 1);
        assert_eq!(
            runs.bad_rows[0].to_string(),
            "row 8, column \"Loss\": \"abc\" is not a number"
        );
    }

    #[test]
    fn old_mac_line_endings_count_as_lines() {
        let table = parse_table("n,d,loss\r1,2,3\r\r4,5,6").unwrap();
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 4]
        );
    }

    #[test]
    fn semicolon_csv() {
        let table = parse_table("N;D;loss\n1e9;2e10;2.5\n2e9;4e10;2.3\n").unwrap();
        assert_eq!(table.format, Format::Semicolon);
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), 2);
        assert_eq!(runs.runs[1].d, 4e10);
    }

    #[test]
    fn quoted_headers_and_cells() {
        let text =
            "\"params (M)\", \"tokens, total\",\"final loss\"\n\"1,000,000\",\"2e9\", \"3.5\"\n";
        let table = parse_table(text).unwrap();
        assert_eq!(
            table.headers,
            h(&["params (M)", "tokens, total", "final loss"])
        );
        assert_eq!(table.rows[0].cells, h(&["1,000,000", "2e9", "3.5"]));
        let map = guess_columns(&table.headers);
        assert_eq!((map.n, map.d, map.loss), (Some(0), Some(1), Some(2)));
        let runs = read_runs(&table, &map).unwrap();
        assert_eq!(runs.runs[0].n, 1e6);
        assert_eq!(runs.runs[0].loss, 3.5);
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        let table = parse_table("\u{feff}params,tokens,loss\n1,2,3\n").unwrap();
        assert_eq!(table.headers[0], "params");
    }

    #[test]
    fn json_array_of_objects() {
        let text = r#"[
  {"params": 70000000, "tokens": "1.4B", "loss": 3.1},
  {"loss": 2.4, "params": 1.4e9, "tokens": 2.8e10, "note": null, "cfg": {"a": [1, true]}},
  {"params": 1e300, "tokens": 1e-300, "loss": 1}
]"#;
        let table = parse_table(text).unwrap();
        assert_eq!(table.format, Format::Json);
        assert_eq!(
            table.headers,
            h(&["params", "tokens", "loss", "note", "cfg"])
        );
        assert_eq!(table.rows[0].cells, h(&["70000000", "1.4B", "3.1", "", ""]));
        // Numbers keep the digits as written.
        assert_eq!(
            table.rows[1].cells,
            h(&["1.4e9", "2.8e10", "2.4", "", "{\"a\":[1,true]}"])
        );
        assert_eq!(table.rows[1].line, 2);
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), 3);
        assert_eq!(runs.runs[0].d, 1.4e9);
        assert_eq!(runs.runs[2].n, 1e300);
        assert_eq!(runs.runs[2].d, 1e-300);
    }

    #[test]
    fn json_numbers_keep_their_text_next_to_tricky_strings() {
        let text = r#"[{"a\"1": "x 2, \\", "n": 1.50e3, "d": -7, "loss": 0.1000000000000000055511151231257827, "z": "\u0031e9"},
 {"a\"1": "", "n": 123456789012345678901234567890, "d": 2E+2, "loss": 3, "z": 4}]"#;
        let table = parse_table(text).unwrap();
        assert_eq!(table.headers, h(&["a\"1", "n", "d", "loss", "z"]));
        assert_eq!(
            table.rows[0].cells,
            h(&[
                "x 2, \\",
                "1.50e3",
                "-7",
                "0.1000000000000000055511151231257827",
                "1e9"
            ])
        );
        assert_eq!(
            table.rows[1].cells,
            h(&["", "123456789012345678901234567890", "2E+2", "3", "4"])
        );
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(
            runs.bad_rows[0].to_string(),
            "row 1, column \"d\": must be greater than 0 (got -7)"
        );
        assert_eq!(runs.runs[0].n, 1.2345678901234568e29);
        assert_eq!(runs.runs[0].d, 200.0);
    }

    #[test]
    fn quotes_after_spaces_and_inside_cells() {
        let text = "run, params , tokens,loss\n  \"a, b\" , 70M,\"1,400,000\",3\n\"say \"\"hi\"\"\",1,2,3\n12\" x,1,2,3\n";
        let table = parse_table(text).unwrap();
        assert_eq!(table.headers, h(&["run", "params", "tokens", "loss"]));
        assert_eq!(table.rows[0].cells, h(&["a, b", "70M", "1,400,000", "3"]));
        assert_eq!(table.rows[1].cells, h(&["say \"hi\"", "1", "2", "3"]));
        assert_eq!(table.rows[2].cells, h(&["12\" x", "1", "2", "3"]));
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), 3);
        assert_eq!(runs.runs[0].run_id.as_deref(), Some("a, b"));
        assert_eq!(runs.runs[0].d, 1.4e6);
    }

    #[test]
    fn empty_header_names_are_numbered() {
        let table = parse_table(",params,tokens,loss,,\n0,1,2,3\n1,4,5,6\n").unwrap();
        assert_eq!(table.headers, h(&["column 1", "params", "tokens", "loss"]));
        assert_eq!(runs_of(",params,tokens,loss\n0,1,2,3\n").runs.len(), 1);
    }

    #[test]
    fn json_array_of_arrays() {
        let text = r#"[["N", "D", "loss", "run"], [1e8, 2e9, 3.0, "a"], [2e8, 4e9, 2.8, 7]]"#;
        let table = parse_table(text).unwrap();
        assert_eq!(table.headers, h(&["N", "D", "loss", "run"]));
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), 2);
        assert_eq!(runs.runs[1].line, 3);
        assert_eq!(runs.runs[1].run_id.as_deref(), Some("7"));
        assert_eq!(runs.runs[0].n, 1e8);
    }

    #[test]
    fn json_errors() {
        let err = parse_table(r#"{"n": [1, 2]}"#).unwrap_err();
        assert_eq!(
            err,
            TableError::JsonNotArray {
                found: "an object".into()
            }
        );
        assert!(err.to_string().contains("not an array"), "{err}");

        let err = parse_table("[\n {\"n\": 1},\n {\"n\": 2,}\n]").unwrap_err();
        match &err {
            TableError::Json { line, message } => {
                assert_eq!(*line, 3);
                assert!(!message.contains("at line"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string().starts_with("invalid JSON on line 3: "),
            "{err}"
        );

        let err = parse_table(r#"[{"n": 1}, [1, 2]]"#).unwrap_err();
        assert!(
            matches!(err, TableError::JsonRow { index: 2, .. }),
            "{err:?}"
        );
        let err = parse_table(r#"[["n", "loss"], {"n": 1}]"#).unwrap_err();
        assert!(
            matches!(err, TableError::JsonRow { index: 2, .. }),
            "{err:?}"
        );
        let err = parse_table(r#"[["n", ["loss"]], [1, 2]]"#).unwrap_err();
        assert!(
            matches!(err, TableError::JsonRow { index: 1, .. }),
            "{err:?}"
        );
        let err = parse_table("[1, 2, 3]").unwrap_err();
        assert!(
            matches!(err, TableError::JsonRow { index: 1, .. }),
            "{err:?}"
        );
        assert_eq!(parse_table("[]").unwrap_err(), TableError::NoDataRows);
        assert_eq!(parse_table("[{}, {}]").unwrap_err(), TableError::NoDataRows);
        assert_eq!(
            parse_table(r#"[["n", "loss"]]"#).unwrap_err(),
            TableError::NoDataRows
        );
        assert_eq!(
            parse_table(r#"[{"Loss": 1}, {"loss": 2}]"#).unwrap_err(),
            TableError::DuplicateHeader {
                name: "loss".into()
            }
        );
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(parse_table(&deep), Err(TableError::Json { .. })));
        assert!(matches!(
            parse_table("[1e400]"),
            Err(TableError::Json { .. })
        ));
    }

    #[test]
    fn bad_cells_have_exact_messages() {
        let text = "n,d,loss,run\n1e9,2e10,abc,a\n-3,2e10,2,b\n0,2e10,2,c\nnan,1,2,d\n1,inf,2,e\n1e400,1,2,f\n1,,2,g\n1,2,3,\n1,2,3,ok\n1,2,3, \n";
        let runs = runs_of(text);
        let got: Vec<String> = runs.bad_rows.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "row 2, column \"loss\": \"abc\" is not a number",
                "row 3, column \"n\": must be greater than 0 (got -3)",
                "row 4, column \"n\": must be greater than 0 (got 0)",
                "row 5, column \"n\": \"nan\" is not a number",
                "row 6, column \"d\": \"inf\" is not a number",
                "row 7, column \"n\": \"1e400\" is too large to be a finite number",
                "row 8, column \"d\": is empty",
                "row 9, column \"run\": is empty",
                "row 11, column \"run\": is empty",
            ]
        );
        assert_eq!(runs.bad_row_count, 9);
        assert_eq!(runs.runs.len(), 1);
        assert_eq!(runs.runs[0].line, 10);
    }

    #[test]
    fn loss_error_on_row_three() {
        let table = parse_table("n,d,loss\n1,2,3\n1,2,abc\n").unwrap();
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(
            runs.bad_rows[0].to_string(),
            "row 3, column \"loss\": \"abc\" is not a number"
        );
        assert_eq!(runs.bad_rows[0].column.as_deref(), Some("loss"));
    }

    #[test]
    fn derived_values_out_of_range_are_row_errors() {
        let runs = runs_of("n,c,loss\n1e-300,1e300,2\n1e300,1e-300,2\n1,6,2\n");
        assert_eq!(runs.bad_row_count, 2);
        assert!(
            runs.bad_rows[0].message.contains("out of range"),
            "{}",
            runs.bad_rows[0]
        );
        assert_eq!(runs.runs[0].d, 1.0);
        let runs = runs_of("n,d,loss\n1e200,1e200,2\n");
        assert_eq!(runs.bad_row_count, 1);
        assert!(
            runs.bad_rows[0]
                .to_string()
                .starts_with("row 2: compute derived"),
            "{}",
            runs.bad_rows[0]
        );
    }

    #[test]
    fn both_d_and_c_are_kept_as_given() {
        let runs = runs_of("n,d,c,loss\n1,2,100,3\n");
        assert_eq!((runs.runs[0].d, runs.runs[0].c), (2.0, 100.0));
        assert!(!runs.d_derived && !runs.c_derived);
    }

    #[test]
    fn mismatched_cell_counts() {
        let text = "n,d,loss,x\n1,2,3,4\n1,2,3\n1,2,3,4,5\n1,2,3,4,,\t\n1,2,3,4,,,9\n";
        let table = parse_table(text).unwrap();
        assert_eq!(table.rows[3].cells.len(), 4);
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        let got: Vec<String> = runs.bad_rows.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "row 3: has 3 cells, but the header names 4 columns",
                "row 4: has 5 cells, but the header names 4 columns",
                "row 6: has 7 cells, but the header names 4 columns",
            ]
        );
        assert_eq!(runs.runs.len(), 2);
    }

    #[test]
    fn unclosed_quote_is_explained() {
        let runs = runs_of("n,d,loss\n1,2,3\n1,\"2,3\n4,5,6\n");
        assert_eq!(runs.bad_row_count, 1);
        assert!(
            runs.bad_rows[0].message.contains("quote"),
            "{}",
            runs.bad_rows[0]
        );
    }

    #[test]
    fn whole_table_errors() {
        assert_eq!(parse_table(""), Err(TableError::Empty));
        assert_eq!(parse_table(" \n\t\n"), Err(TableError::Empty));
        assert_eq!(parse_table("# only\n# comments\n"), Err(TableError::Empty));
        assert_eq!(parse_table("n,d,loss\n"), Err(TableError::NoDataRows));
        assert_eq!(
            parse_table(",,\n\"\",,\nn,d,loss\n1,2,3\n").unwrap().rows[0].line,
            4
        );
        assert_eq!(
            parse_table("n,d,loss\n\n,,\n# x\n"),
            Err(TableError::NoDataRows)
        );
        assert_eq!(
            parse_table("\n1,2,3\n4,5,6\n"),
            Err(TableError::HeaderIsData { line: 2 })
        );
        assert!(TableError::HeaderIsData { line: 2 }
            .to_string()
            .contains("must name the columns"));
        assert_eq!(
            parse_table("n,Loss,loss\n1,2,3\n"),
            Err(TableError::DuplicateHeader {
                name: "loss".into()
            })
        );

        let big = "a".repeat(MAX_TABLE_BYTES + 1);
        let err = parse_table(&big).unwrap_err();
        assert_eq!(
            err,
            TableError::TooLarge {
                bytes: MAX_TABLE_BYTES + 1
            }
        );
        assert!(
            err.to_string().contains("2.00 MB") && err.to_string().contains("limit is 2 MB"),
            "{err}"
        );

        let mut text = String::from("n,d,loss\n");
        for i in 0..=MAX_TABLE_ROWS {
            text.push_str(&format!("{},{},3\n", i + 1, i + 2));
        }
        let err = parse_table(&text).unwrap_err();
        assert_eq!(err, TableError::TooManyRows { rows: 20_001 });
        assert!(
            err.to_string().contains("20001") && err.to_string().contains("20000"),
            "{err}"
        );
        let json = format!("[{}{{}}]", "{},".repeat(MAX_TABLE_ROWS));
        assert_eq!(
            parse_table(&json),
            Err(TableError::TooManyRows { rows: 20_001 })
        );
    }

    #[test]
    fn max_rows_is_accepted_and_fast_enough() {
        let mut text = String::from("params\ttokens\tloss\trun\n");
        for i in 0..MAX_TABLE_ROWS {
            text.push_str(&format!(
                "{}M\t{}B\t{}\trun-{}\n",
                i + 1,
                i + 2,
                2.0 + 1.0 / (i + 1) as f64,
                i % 7
            ));
        }
        // (No clock on wasm32-unknown-unknown.)
        #[cfg(not(target_arch = "wasm32"))]
        let start = std::time::Instant::now();
        let table = parse_table(&text).unwrap();
        let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
        assert_eq!(runs.runs.len(), MAX_TABLE_ROWS);
        assert_eq!(runs.runs[MAX_TABLE_ROWS - 1].line, MAX_TABLE_ROWS + 1);
        // About 0.4 s in a debug build on a slow machine; linear work, so release is far faster.
        #[cfg(not(target_arch = "wasm32"))]
        assert!(start.elapsed().as_secs_f64() < 3.0, "{:?}", start.elapsed());
    }

    #[test]
    fn huge_names_are_shortened_in_messages() {
        let name = "x".repeat(100_000);
        let err = read_runs(
            &parse_table(&format!("{name}\n1\n")).unwrap(),
            &ColumnMap::default(),
        );
        let msg = err.unwrap_err().to_string();
        assert!(msg.len() < 300 && msg.contains("xxx…"), "{msg}");
    }

    #[test]
    fn map_problems() {
        let table = parse_table("a,b,loss,tokens\n1,2,3,4\n").unwrap();
        let map = guess_columns(&table.headers);
        let err = read_runs(&table, &map).unwrap_err();
        assert_eq!(err.to_string(), "no \"N (parameters)\" column: found columns \"a\", \"b\", \"loss\", \"tokens\"; name one in the column choices");
        let map = ColumnMap {
            n: Some(0),
            d: None,
            c: None,
            loss: Some(2),
            run: None,
            weight: None,
            group: None,
        };
        assert!(matches!(
            read_runs(&table, &map),
            Err(TableError::NeedDOrC { .. })
        ));
        let map = ColumnMap {
            n: Some(0),
            d: Some(3),
            c: None,
            loss: None,
            run: None,
            weight: None,
            group: None,
        };
        let err = read_runs(&table, &map).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("no \"loss\" column: found columns \"a\""),
            "{err}"
        );
        let map = ColumnMap {
            n: Some(0),
            d: Some(3),
            c: None,
            loss: Some(9),
            run: None,
            weight: None,
            group: None,
        };
        assert!(matches!(
            read_runs(&table, &map),
            Err(TableError::ColumnOutOfRange {
                role: Role::Loss,
                ..
            })
        ));
        let map = ColumnMap {
            n: Some(0),
            d: Some(0),
            c: None,
            loss: Some(2),
            run: None,
            weight: None,
            group: None,
        };
        assert_eq!(
            read_runs(&table, &map),
            Err(TableError::SameColumn {
                first: Role::N,
                second: Role::D,
                name: "a".into()
            })
        );
        let map = ColumnMap {
            n: Some(0),
            d: Some(3),
            c: None,
            loss: Some(2),
            run: None,
            weight: None,
            group: None,
        };
        assert_eq!(read_runs(&table, &map).unwrap().runs.len(), 1);
        let empty = Table {
            headers: table.headers.clone(),
            rows: vec![],
            format: Format::Csv,
        };
        assert_eq!(read_runs(&empty, &map), Err(TableError::NoDataRows));
    }

    #[test]
    fn column_map_get_set() {
        let mut map = ColumnMap::default();
        for (i, role) in Role::ALL.into_iter().enumerate() {
            map.set(role, Some(i));
        }
        for (i, role) in Role::ALL.into_iter().enumerate() {
            assert_eq!(map.get(role), Some(i));
        }
        assert_eq!(serde_json::to_string(&Role::Loss).unwrap(), "\"loss\"");
        assert_eq!(Role::ALL.map(Role::key), ["n", "d", "c", "loss", "run", "weight", "group"]);
        assert_eq!(Role::N.label(), "N (parameters)");
    }

    #[test]
    fn find_column_by_exact_and_loose_names() {
        let headers = h(&["Model Size", "Training FLOP", "params (M)", "val/loss", "x"]);
        assert_eq!(find_column(&headers, "Model Size").unwrap(), 0);
        assert_eq!(find_column(&headers, "model size").unwrap(), 0);
        assert_eq!(find_column(&headers, "model_size").unwrap(), 0);
        assert_eq!(find_column(&headers, " training-flop ").unwrap(), 1);
        assert_eq!(find_column(&headers, "params").unwrap(), 2);
        assert_eq!(find_column(&headers, "params (M)").unwrap(), 2);
        assert_eq!(find_column(&headers, "VAL.LOSS").unwrap(), 3);
        assert_eq!(find_column(&headers, "5").unwrap(), 4);
        let err = find_column(&headers, "flops").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no column named \"flops\": found columns \"Model Size\", \"Training FLOP\", \"params (M)\", \"val/loss\", \"x\""
        );
        assert!(matches!(
            find_column(&headers, "6"),
            Err(TableError::UnknownColumn { .. })
        ));
        assert!(matches!(
            find_column(&headers, "(M)"),
            Err(TableError::UnknownColumn { .. })
        ));
        let headers = h(&["loss (train)", "loss (val)"]);
        assert!(matches!(
            find_column(&headers, "loss"),
            Err(TableError::AmbiguousColumn { .. })
        ));
        assert_eq!(find_column(&headers, "loss (val)").unwrap(), 1);
        let many: Vec<String> = (0..30).map(|i| format!("c{i}")).collect();
        let err = find_column(&many, "zz").unwrap_err().to_string();
        assert!(err.ends_with("\"c11\" … and 18 more"), "{err}");
    }

    #[test]
    fn guesses_common_aliases() {
        let cases: [(&[&str], ColumnMap); 8] = [
            (
                &[
                    "x",
                    "y",
                    "Model Size",
                    "Training FLOP",
                    "loss",
                    "color",
                    "hex_color",
                ],
                ColumnMap {
                    n: Some(2),
                    d: None,
                    c: Some(3),
                    loss: Some(4),
                    run: None,
            weight: None,
            group: None,
                },
            ),
            (
                &[
                    "run_name",
                    "num_params",
                    "train_tokens",
                    "FLOPs",
                    "val_loss",
                ],
                ColumnMap {
                    n: Some(1),
                    d: Some(2),
                    c: Some(3),
                    loss: Some(4),
                    run: Some(0),
            weight: None,
            group: None,
                },
            ),
            (
                &["N", "D", "C", "L"],
                ColumnMap {
                    n: Some(0),
                    d: Some(1),
                    c: Some(2),
                    loss: Some(3),
                    run: None,
            weight: None,
            group: None,
                },
            ),
            (
                &["Model", "Parameters", "Tokens seen", "Compute", "Eval Loss"],
                ColumnMap {
                    n: Some(1),
                    d: Some(2),
                    c: Some(3),
                    loss: Some(4),
                    run: Some(0),
            weight: None,
            group: None,
                },
            ),
            (
                &["train_loss", "nParams", "dataset.size", "val loss", "id"],
                ColumnMap {
                    n: Some(1),
                    d: Some(2),
                    c: None,
                    loss: Some(3),
                    run: Some(4),
            weight: None,
            group: None,
                },
            ),
            (
                &["params (M)", "tokens [B]", "# FLOP", "nll", "name"],
                ColumnMap {
                    n: Some(0),
                    d: Some(1),
                    c: Some(2),
                    loss: Some(3),
                    run: Some(4),
            weight: None,
            group: None,
                },
            ),
            (
                &[
                    "total params",
                    "tokens per second",
                    "eval/lm_loss",
                    "loss std",
                    "Non-Embedding Params",
                ],
                ColumnMap {
                    n: Some(4),
                    d: None,
                    c: None,
                    loss: Some(2),
                    run: None,
            weight: None,
            group: None,
                },
            ),
            (
                &[
                    "size",
                    "data",
                    "training compute",
                    "loss",
                    "model name",
                    "model",
                ],
                ColumnMap {
                    n: Some(0),
                    d: Some(1),
                    c: Some(2),
                    loss: Some(3),
                    run: Some(5),
            weight: None,
            group: None,
                },
            ),
        ];
        for (headers, want) in cases {
            assert_eq!(guess_columns(&h(headers)), want, "{headers:?}");
        }
        assert_eq!(guess_columns(&[]), ColumnMap::default());
    }

    #[test]
    fn summary_lists_then_counts_the_rest() {
        let bad: Vec<RowError> = (1..=5)
            .map(|i| RowError {
                line: i,
                column: Some("loss".into()),
                message: "is empty".into(),
            })
            .collect();
        let s = summarize_bad_rows(&bad, 40, 3);
        assert_eq!(
            s,
            "row 1, column \"loss\": is empty\nrow 2, column \"loss\": is empty\nrow 3, column \"loss\": is empty\n… and 37 more rows"
        );
        assert_eq!(summarize_bad_rows(&bad[..2], 2, 3).lines().count(), 2);
        assert_eq!(
            summarize_bad_rows(&bad[..2], 3, 2).lines().last(),
            Some("… and 1 more row")
        );
        assert_eq!(summarize_bad_rows(&[], 0, 3), "");
        assert_eq!(summarize_bad_rows(&bad, 5, 0), "… and 5 more rows");
    }

    #[test]
    fn bad_rows_are_capped_but_counted() {
        let mut text = String::from("n,d,loss\n");
        for _ in 0..3000 {
            text.push_str("x,1,1\n");
        }
        let runs = runs_of(&text);
        assert_eq!(runs.bad_rows.len(), MAX_BAD_ROWS_KEPT);
        assert_eq!(runs.bad_row_count, 3000);
        assert!(runs.runs.is_empty());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn positive_f64() -> impl Strategy<Value = f64> {
        proptest::num::f64::POSITIVE | proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL
    }

    fn check_no_panic(text: &str) {
        if let Ok(table) = parse_table(text) {
            let map = guess_columns(&table.headers);
            if let Ok(runs) = read_runs(&table, &map) {
                for r in &runs.runs {
                    assert!(r.n.is_finite() && r.n > 0.0);
                    assert!(r.d.is_finite() && r.d > 0.0);
                    assert!(r.c.is_finite() && r.c > 0.0);
                    assert!(r.loss.is_finite() && r.loss > 0.0);
                }
                let _ = summarize_bad_rows(&runs.bad_rows, runs.bad_row_count, 5);
            }
            for name in &table.headers {
                assert!(find_column(&table.headers, name).is_ok());
            }
        }
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,200}") {
            check_no_panic(&s);
            check_no_panic(&format!("n,d,c,loss,run\n{s}"));
            check_no_panic(&format!("[{s}"));
        }

        #[test]
        fn never_panics_on_table_like_text(s in "[0-9a-zA-Z,;\t\"#\\[\\]{}:. \r\n-]{0,300}") {
            check_no_panic(&s);
            check_no_panic(&format!("N\tD\tloss\n{s}"));
            check_no_panic(&format!("[[\"n\",\"c\",\"loss\"],{s}"));
        }

        #[test]
        fn numbers_round_trip_exactly(
            rows in proptest::collection::vec((positive_f64(), positive_f64(), positive_f64(), positive_f64()), 1..20),
            sci in any::<bool>(),
            delim in prop::sample::select(vec![",", "\t", ";"]),
        ) {
            let mut text = ["n", "d", "c", "loss"].join(delim);
            text.push('\n');
            for &(n, d, c, loss) in &rows {
                let cells: Vec<String> = [n, d, c, loss]
                    .iter()
                    .map(|x| if sci || !(1e-6..1e15).contains(x) { format!("{x:e}") } else { format!("{x}") })
                    .collect();
                text.push_str(&cells.join(delim));
                text.push('\n');
            }
            let table = parse_table(&text).unwrap();
            let runs = read_runs(&table, &guess_columns(&table.headers)).unwrap();
            prop_assert_eq!(runs.bad_row_count, 0);
            prop_assert_eq!(runs.runs.len(), rows.len());
            for (run, &(n, d, c, loss)) in runs.runs.iter().zip(&rows) {
                prop_assert_eq!((run.n, run.d, run.c, run.loss), (n, d, c, loss));
            }
        }

        #[test]
        fn json_numbers_round_trip_exactly(
            rows in proptest::collection::vec((positive_f64(), positive_f64(), positive_f64()), 1..20),
        ) {
            let items: Vec<String> = rows
                .iter()
                .map(|(n, c, loss)| format!("{{\"params\": {n:e}, \"flops\": {c:e}, \"loss\": {loss:e}}}"))
                .collect();
            let text = format!("[{}]", items.join(","));
            let table = parse_table(&text).unwrap();
            for (row, &(n, c, loss)) in table.rows.iter().zip(&rows) {
                let back: Vec<f64> = row.cells.iter().map(|s| units::parse_number(s).unwrap()).collect();
                prop_assert_eq!(back, vec![n, c, loss]);
            }
        }
    }
}
